import { useEffect, useRef, useState } from 'preact/hooks';
import { downloadArtifact } from '../../api/documents';
import type { ArtifactInfo, DocumentRecord } from '../../api/types';
import { CopyButton } from '../../components/CopyButton';
import { ProblemNotice } from '../../components/ProblemNotice';
import { ScrollRegion } from '../../components/ScrollRegion';
import { Time } from '../../components/Time';
import { saveBlob, sha256Hex } from '../../download';
import { formatBytes } from '../../format';
import { ArtifactPreview } from './ArtifactPreview';

type DownloadNote = { tone: 'ok' | 'warning' | 'error'; text: string };

/**
 * Each stored document with its size and SHA-256. A download is checked against the hash the service sent
 * and the one on the record, so a truncated or altered file is noticed before anyone relies on it.
 */
export function Artifacts({ record }: { record: DocumentRecord }) {
  const [previewing, setPreviewing] = useState<ArtifactInfo | undefined>(undefined);
  const [notes, setNotes] = useState<Record<string, DownloadNote>>({});
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const previewHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (previewing) previewHeading.current?.focus();
  }, [previewing]);

  const download = (artifact: ArtifactInfo) => {
    setBusy(artifact.name);
    setError(undefined);
    downloadArtifact(record.id, artifact.name)
      .then(async (file) => {
        saveBlob(file.blob, artifact.name);
        const note = await verify(file.blob, file.sha256, artifact.sha256);
        setNotes((n) => ({ ...n, [artifact.name]: note }));
      })
      .catch(setError)
      .finally(() => setBusy(undefined));
  };

  return (
    <section aria-labelledby="artifacts-title">
      <h2 id="artifacts-title">Artifacts</h2>
      <ProblemNotice error={error} context="Download failed" />
      {record.artifacts.length === 0 ? (
        <p class="empty">No artifact stored yet.</p>
      ) : (
        <ScrollRegion label="Artifacts">
          <table class="table artifacts">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Content type</th>
                <th scope="col" class="numeric">
                  Size
                </th>
                <th scope="col">SHA-256</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {record.artifacts.map((artifact) => {
                const note = notes[artifact.name];
                return (
                  <tr key={artifact.name}>
                    <th scope="row" class="nowrap">
                      <code>{artifact.name}</code>
                    </th>
                    <td>{artifact.contentType}</td>
                    <td class="numeric nowrap">{formatBytes(artifact.size)}</td>
                    <td class="cell-hash">
                      <code class="hash">{artifact.sha256}</code>
                      <CopyButton value={artifact.sha256} what={`SHA-256 of ${artifact.name}`} />
                    </td>
                    <td class="nowrap">
                      <Time iso={artifact.createdAt} />
                    </td>
                    <td>
                      <div class="button-row">
                        <button
                          type="button"
                          class="button-small"
                          disabled={busy === artifact.name}
                          onClick={() => download(artifact)}
                        >
                          Download<span class="visually-hidden"> {artifact.name}</span>
                        </button>
                        <button
                          type="button"
                          class="button-small"
                          aria-pressed={previewing?.name === artifact.name}
                          onClick={() =>
                            setPreviewing((p) => (p?.name === artifact.name ? undefined : artifact))
                          }
                        >
                          Preview<span class="visually-hidden"> {artifact.name}</span>
                        </button>
                      </div>
                      <p class={`download-note tone-${note?.tone ?? 'none'}`} aria-live="polite">
                        {note?.text ?? ''}
                      </p>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      {previewing ? (
        <ArtifactPreview
          key={`${previewing.name}:${previewing.sha256}`}
          documentId={record.id}
          artifact={previewing}
          headingRef={previewHeading}
          onClose={() => setPreviewing(undefined)}
        />
      ) : null}
    </section>
  );
}

async function verify(blob: Blob, served: string | undefined, recorded: string): Promise<DownloadNote> {
  const actual = await sha256Hex(blob);
  if (actual === undefined)
    return {
      tone: 'warning',
      text: 'Downloaded. This browser cannot check the SHA-256 here (not a secure context).',
    };
  const expected = (served ?? recorded).toLowerCase();
  if (actual !== expected || actual !== recorded.toLowerCase())
    return {
      tone: 'error',
      text: `Downloaded, but its SHA-256 ${actual} does not match ${expected}: do not use this file.`,
    };
  return { tone: 'ok', text: 'Downloaded; SHA-256 verified.' };
}
