/** A scan of a folder from its start, under way: where it starts, and the lowest key written meanwhile. */
export interface FolderScan {
  /** The scan may start here: no live key of the folder sorts before it. */
  readonly from: string;
  /** Reports the first key the scan found (the folder's end when none): later scans start there. */
  found(first: string): void;
  /** The scan ended without finding out (an error): it only stops being told of writes. */
  abandon(): void;
}

interface Start {
  key: string;
  /** Scans under way, each with the lowest key written since it began. */
  scans: Set<{ min: string | undefined }>;
}

/**
 * Where the live keys of a folder begin, for the folders that are listed from their start while their
 * oldest keys are deleted: a queue, such as the `due/` markers. LevelDB keeps a deleted key as a deletion
 * marker until a compaction drops it, so a scan from the folder's start would walk over every marker of the
 * history; starting at the first live key found last time skips them all with one seek.
 *
 * A start is a lower bound of the folder's live keys. A write below it lowers it as the write is made
 * (before it is committed). A scan raises it only to the lowest of the first key it found, the keys being
 * written when it began (passed to `begin`, not yet in what it reads) and the keys written while it ran.
 * At most `maxFolders` starts are kept, the least recently scanned forgotten first.
 */
export class FolderStarts {
  private readonly starts = new Map<string, Start>();

  constructor(private readonly maxFolders = 64) {}

  /** Told of every write, when it is made: lowers the starts of the key's folders. */
  writing(key: string): void {
    if (this.starts.size === 0) return;
    for (let slash = key.indexOf('/'); slash !== -1; slash = key.indexOf('/', slash + 1)) {
      const start = this.starts.get(key.slice(0, slash + 1));
      if (!start) continue;
      if (key < start.key) start.key = key;
      for (const scan of start.scans) if (scan.min === undefined || key < scan.min) scan.min = key;
    }
  }

  /** No live key of `folder` sorts before the returned one. */
  lowerBound(folder: string): string {
    return this.starts.get(folder)?.key ?? folder;
  }

  /** A scan of `folder` from its start; `inFlight`: the keys whose writes are not settled yet. */
  begin(folder: string, inFlight: Iterable<string>): FolderScan {
    const start = this.remembered(folder);
    const scan = { min: undefined as string | undefined };
    for (const key of inFlight)
      if (key.startsWith(folder) && (scan.min === undefined || key < scan.min)) scan.min = key;
    start.scans.add(scan);
    return {
      from: start.key,
      found: (first) => {
        start.scans.delete(scan);
        const raised = scan.min !== undefined && scan.min < first ? scan.min : first;
        if (this.starts.get(folder) === start && raised > start.key) start.key = raised;
      },
      abandon: () => start.scans.delete(scan),
    };
  }

  private remembered(folder: string): Start {
    let start = this.starts.get(folder);
    if (start) this.starts.delete(folder);
    else start = { key: folder, scans: new Set() };
    this.starts.set(folder, start);
    // a forgotten start only costs its next scan the walk from the folder's start
    for (const oldest of this.starts.keys()) {
      if (this.starts.size <= this.maxFolders) break;
      this.starts.delete(oldest);
    }
    return start;
  }
}
