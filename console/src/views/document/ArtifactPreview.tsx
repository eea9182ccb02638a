import { useEffect, useState } from 'preact/hooks';
import { downloadArtifact } from '../../api/documents';
import type { ArtifactInfo } from '../../api/types';
import { ProblemNotice } from '../../components/ProblemNotice';
import { ScrollRegion } from '../../components/ScrollRegion';
import { formatBytes } from '../../format';
import { prettyJson, prettyXml } from '../../pretty';
import { readReport, type ValidationReport } from './findings';

/** Larger files are not rendered: a browser tab showing megabytes of XML helps nobody. */
const PREVIEW_LIMIT_BYTES = 2 * 1024 * 1024;

type Preview =
  | { kind: 'loading' }
  | { kind: 'report'; report: ValidationReport; raw: string }
  | { kind: 'text'; text: string; note?: string }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'error'; error: unknown };

type Kind = 'json' | 'xml' | 'text' | 'binary';

function kindOf(artifact: ArtifactInfo): Kind {
  const type = artifact.contentType.toLowerCase();
  const name = artifact.name.toLowerCase();
  if (type.includes('json') || name.endsWith('.json')) return 'json';
  if (type.includes('xml') || name.endsWith('.xml')) return 'xml';
  if (type.startsWith('text/') || name.endsWith('.txt') || name.endsWith('.csv')) return 'text';
  return 'binary';
}

function render(kind: Kind, text: string): Preview {
  if (kind === 'xml')
    return {
      kind: 'text',
      text: prettyXml(text),
      note: 'Re-indented for reading: download it for the exact bytes.',
    };
  if (kind === 'json') {
    try {
      const value: unknown = JSON.parse(text);
      const report = readReport(value);
      return report
        ? { kind: 'report', report, raw: prettyJson(value) }
        : { kind: 'text', text: prettyJson(value) };
    } catch {
      return { kind: 'text', text, note: 'Not valid JSON: shown as stored.' };
    }
  }
  return { kind: 'text', text };
}

export function ArtifactPreview(props: {
  documentId: string;
  artifact: ArtifactInfo;
  headingRef: { current: HTMLHeadingElement | null };
  onClose: () => void;
}) {
  const { artifact } = props;
  const kind = kindOf(artifact);
  const [preview, setPreview] = useState<Preview>(() => initial(kind, artifact));

  useEffect(() => {
    if (preview.kind !== 'loading') return;
    let current = true;
    downloadArtifact(props.documentId, artifact.name)
      .then((file) => file.blob.text())
      .then(
        (text) => current && setPreview(render(kind, text)),
        (error: unknown) => current && setPreview({ kind: 'error', error }),
      );
    return () => {
      current = false;
    };
    // loads once per artifact: the parent remounts this component for another one
  }, []);

  return (
    <section class="preview" aria-labelledby="preview-title">
      <div class="preview-header">
        <h3 id="preview-title" ref={props.headingRef} tabIndex={-1}>
          Preview of <code>{artifact.name}</code>
        </h3>
        <button type="button" class="button-small" onClick={props.onClose}>
          Close preview
        </button>
      </div>
      <PreviewBody preview={preview} name={artifact.name} />
    </section>
  );
}

function initial(kind: Kind, artifact: ArtifactInfo): Preview {
  if (kind === 'binary')
    return { kind: 'unavailable', reason: `No preview for ${artifact.contentType}: download it instead.` };
  if (artifact.size > PREVIEW_LIMIT_BYTES)
    return {
      kind: 'unavailable',
      reason: `Too large to preview (${formatBytes(artifact.size)}): download it instead.`,
    };
  return { kind: 'loading' };
}

function PreviewBody({ preview, name }: { preview: Preview; name: string }) {
  switch (preview.kind) {
    case 'loading':
      return <p role="status">Loading the preview…</p>;
    case 'unavailable':
      return <p>{preview.reason}</p>;
    case 'error':
      return <ProblemNotice error={preview.error} context="The preview could not be loaded" />;
    case 'text':
      return (
        <>
          {preview.note ? <p class="muted">{preview.note}</p> : null}
          <pre class="code-block" tabIndex={0} aria-label={`Contents of ${name}`}>
            {preview.text}
          </pre>
        </>
      );
    case 'report':
      return <ReportView report={preview.report} raw={preview.raw} name={name} />;
  }
}

function ReportView({ report, raw, name }: { report: ValidationReport; raw: string; name: string }) {
  return (
    <>
      <p>
        {report.valid === true ? 'Valid' : report.valid === false ? 'Not valid' : 'Report'}:{' '}
        {report.findings.length === 1 ? '1 finding' : `${report.findings.length} findings`}.
      </p>
      {report.findings.length > 0 ? (
        <ScrollRegion label={`Findings of ${name}`}>
          <table class="table findings">
            <caption class="visually-hidden">Findings of {name}</caption>
            <thead>
              <tr>
                <th scope="col">Rule id</th>
                <th scope="col">Severity</th>
                <th scope="col">Location</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {report.findings.map((finding, index) => (
                <tr
                  key={index}
                  class={
                    finding.severity === 'fatal' || finding.severity === 'error' ? 'row-problem' : undefined
                  }
                >
                  <th scope="row">
                    <code>{finding.ruleId}</code>
                  </th>
                  <td>{finding.severity}</td>
                  <td class="message">
                    <code>{finding.location}</code>
                    {finding.terms.length > 0 ? (
                      <span class="secondary">{finding.terms.join(', ')}</span>
                    ) : null}
                  </td>
                  <td class="message">{finding.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
      <details>
        <summary>The report as JSON</summary>
        <pre class="code-block" tabIndex={0} aria-label={`Contents of ${name}`}>
          {raw}
        </pre>
      </details>
    </>
  );
}
