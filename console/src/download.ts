/** Saves a Blob under a file name through a temporary object URL (the request needed the API key header). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once: some browsers start reading the URL only after the click handler returns.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** `documents-2026-01-31T1205.csv`: sortable, and safe on every file system. */
export function timestampedName(prefix: string, extension: string, now = new Date()): string {
  const stamp = now.toISOString().slice(0, 16).replace(':', '');
  return `${prefix}-${stamp}.${extension}`;
}

/** The hex SHA-256 of bytes, where the browser offers Web Crypto (secure contexts only). */
export async function sha256Hex(blob: Blob): Promise<string | undefined> {
  if (!window.crypto?.subtle) return undefined;
  const digest = await window.crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
