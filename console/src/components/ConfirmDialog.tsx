import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import { ProblemNotice } from './ProblemNotice';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  confirmLabel: string;
  /** A destructive or irreversible action is styled as such. */
  danger?: boolean;
  busy?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
  children?: ComponentChildren;
}

/**
 * A modal confirmation (a real <dialog>: the rest of the page is inert, Escape closes it). Focus starts on
 * its first field, or else on the harmless "Back" button (it comes before the confirming one), and returns
 * to whatever opened the dialog when it closes.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { open, title, confirmLabel, danger, busy, error, onConfirm, onClose, children } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      element.showModal();
    } else if (!open && element.open) {
      element.close();
    }
  }, [open]);

  const closed = () => {
    // the opener may be gone (a "Cancel" button disappears once the document is cancelled): then the page
    const target = opener.current?.isConnected ? opener.current : document.getElementById('main');
    target?.focus();
    if (open) onClose();
  };

  return (
    <dialog
      ref={dialog}
      class="dialog"
      aria-labelledby={titleId}
      onClose={closed}
      onCancel={(event) => {
        // Escape must not abandon a request that is under way: its result would be lost to the user.
        if (busy) event.preventDefault();
      }}
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (!busy) onConfirm();
        }}
      >
        <h2 id={titleId}>{title}</h2>
        <div class="dialog-body">{children}</div>
        <ProblemNotice error={error} />
        <div class="dialog-actions">
          <button type="button" onClick={onClose} disabled={busy}>
            Back
          </button>
          <button type="submit" class={danger ? 'button-danger' : 'button-primary'} disabled={busy}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
