import { describeError } from "../api/errors";

/**
 * Any error, in words: the API's own message (rewritten where it speaks in raw bytes), the fields a
 * validation error names, and the code in small print for whoever helps. Announced as an alert.
 */
export function ErrorMessage({ error, onRetry, id }: { error: unknown; onRetry?: (() => void) | undefined; id?: string }) {
  if (error === undefined || error === null) return null;
  const d = describeError(error);
  return (
    <div class="error" role="alert" id={id}>
      <p class="error-message">{d.message}</p>
      {d.hints.length > 0 && (
        <ul class="error-hints">
          {d.hints.map((h) => (
            <li key={h}>{h}</li>
          ))}
        </ul>
      )}
      {(d.code || onRetry) && (
        <p class="error-foot">
          {d.code && <span class="error-code">Error code: {d.code}</span>}
          {onRetry && (
            <button type="button" class="button small" onClick={onRetry}>
              Try again
            </button>
          )}
        </p>
      )}
    </div>
  );
}
