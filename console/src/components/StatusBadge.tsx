import type { DocumentStatus } from '../api/types';

/** A shape per status, so a status is told by its symbol and word, never by colour alone. */
const SYMBOLS: Record<DocumentStatus, string> = {
  received: '○',
  processing: '◔',
  waiting: '◷',
  completed: '✓',
  failed: '✕',
  rejected: '⊘',
  cancelled: '■',
};

export function StatusBadge({ status, stepId }: { status: DocumentStatus; stepId?: string | undefined }) {
  return (
    <span class="status">
      <span class={`badge badge-${status}`}>
        <span class="badge-symbol" aria-hidden="true">
          {SYMBOLS[status] ?? '•'}
        </span>
        {status}
      </span>
      {stepId ? (
        <span class="status-step">
          <span class="visually-hidden">, at step </span>
          <span aria-hidden="true">at </span>
          {stepId}
        </span>
      ) : null}
    </span>
  );
}
