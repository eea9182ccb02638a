/**
 * Values loaded by name and kept for `refreshMs`, then loaded again; while a reload fails, the last value
 * is served (a rotated secret or certificate is picked up without a restart, and a remote store's hiccup
 * does not stop the service). A first load that fails is not kept.
 */
export class RefreshingCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(
    private readonly refreshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(name: string, load: (name: string) => Promise<T>): Promise<T> {
    const cached = this.entries.get(name);
    if (cached && this.now() - cached.at < this.refreshMs) return cached.value;
    const value = load(name);
    this.entries.set(name, { at: this.now(), value });
    value.catch(() => {
      if (cached) this.entries.set(name, cached);
      else this.entries.delete(name);
    });
    return cached ? value.catch(() => cached.value) : value;
  }
}
