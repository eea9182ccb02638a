import { useEffect, useRef, useState } from 'preact/hooks';

/** Copies with the Clipboard API where the page is a secure context, else through a selected text field. */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const field = document.createElement('textarea');
  field.value = text;
  field.setAttribute('readonly', '');
  field.className = 'visually-hidden';
  document.body.append(field);
  field.select();
  // The fallback for plain-HTTP hosts, where navigator.clipboard does not exist.
  const copied = document.execCommand('copy');
  field.remove();
  if (!copied) throw new Error('copy refused');
}

/** "Copy" with what it copies in its accessible name, and the result announced politely. */
export function CopyButton({ value, what }: { value: string; what: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const copy = () => {
    copyText(value).then(
      () => setState('copied'),
      () => setState('failed'),
    );
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState('idle'), 3000);
  };
  return (
    <span class="copy">
      <button type="button" class="button-small" onClick={copy}>
        Copy<span class="visually-hidden"> {what}</span>
      </button>
      <span class="visually-hidden" aria-live="polite">
        {state === 'copied' ? `${what} copied` : state === 'failed' ? `Could not copy ${what}` : ''}
      </span>
      {state !== 'idle' ? (
        <span class="copy-note" aria-hidden="true">
          {state === 'copied' ? 'Copied' : 'Not copied'}
        </span>
      ) : null}
    </span>
  );
}
