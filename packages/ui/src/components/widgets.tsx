import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.tsx';

export function StateBadge({ state }: { state: string }) {
  const tone = state === 'ready' ? 'ok' : state === 'error' || state === 'terminated' ? 'bad' : 'busy';
  return <span class={`badge badge-${tone}`}>{state}</span>;
}

/** A page's loading, error and empty states, so that every page says the same things the same way. */
export function Status({ isLoading, error, children }: { isLoading: boolean; error: unknown; children?: ComponentChildren }) {
  if (error) {
    const message = error instanceof ApiError ? `${error.message} (HTTP ${error.status})` : error instanceof Error ? error.message : String(error);
    return <p class="alert" role="alert">Could not load: {message}</p>;
  }
  if (isLoading) return <p class="muted" aria-busy="true">Loading…</p>;
  return <>{children}</>;
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

/** Copies `text`; says so for screen readers too. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [isCopied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="secondary small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
        } catch {
          // Clipboard refused (plain http on another host): select the text for a manual copy instead.
        }
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      <span aria-live="polite">{isCopied ? 'Copied' : 'Copy'}<span class="sr-only">{isCopied ? '' : label.replace(/^Copy/, '')}</span></span>
    </button>
  );
}

/** A value worth copying: monospace, selectable, with a copy button. */
export function CopyLine({ text, label }: { text: string; label: string }) {
  return (
    <div class="copyline">
      <code aria-label={label}>{text}</code>
      <CopyButton text={text} label={`Copy ${label}`} />
    </div>
  );
}

/** The gateway's HTTPS and HTTP URLs as copyable facts (inside a `<dl class="facts">`). */
export function UrlFacts({ urls }: { urls: { https?: string; http?: string } }) {
  return (
    <>
      {urls.https && (
        <>
          <dt>HTTPS URL</dt>
          <dd><CopyLine text={urls.https} label="HTTPS URL" /></dd>
        </>
      )}
      {urls.http && (
        <>
          <dt>HTTP URL</dt>
          <dd><CopyLine text={urls.http} label="HTTP URL" /></dd>
        </>
      )}
    </>
  );
}

/**
 * A destructive button that asks first, in a native modal <dialog> (focus trapped, Escape cancels).
 * `action` runs on confirm; its error is shown in the dialog.
 */
export function ConfirmButton({ label, title, body, confirmLabel = 'Delete', action, buttonClass = 'danger small' }: { label: string; title: string; body: ComponentChildren; confirmLabel?: string; action: () => Promise<void>; buttonClass?: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState('');
  const [isBusy, setBusy] = useState(false);
  return (
    <>
      <button type="button" class={buttonClass} onClick={() => { setError(''); dialog.current?.showModal(); }}>
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={`${title}-t`.replace(/\W+/g, '-')}>
        <h2 id={`${title}-t`.replace(/\W+/g, '-')}>{title}</h2>
        <div>{body}</div>
        {error && <p class="alert" role="alert">{error}</p>}
        <div class="actions">
          <button type="button" class="secondary" onClick={() => dialog.current?.close()}>Cancel</button>
          <button
            type="button"
            class="danger"
            disabled={isBusy}
            onClick={async () => {
              setBusy(true);
              try {
                await action();
                dialog.current?.close();
              } catch (e) {
                setError(e instanceof Error ? e.message : String(e));
              } finally {
                setBusy(false);
              }
            }}
          >
            {confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
