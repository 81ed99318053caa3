import type { Usage } from "../api/types";
import { formatBytes } from "../format";

/** Stored bytes, and those reserved for uploads still pending, against the quota (GET /me). */
export function UsageMeter({ usage }: { usage: Usage | undefined }) {
  if (!usage) return <div class="usage" aria-hidden="true" />;
  const reserved = usage.reservedBytes ?? 0;
  const taken = usage.bytes + reserved;
  const pct = usage.quotaBytes > 0 ? Math.min(100, (taken / usage.quotaBytes) * 100) : 0;
  const text = `${formatBytes(usage.bytes)} of ${formatBytes(usage.quotaBytes)} used${reserved > 0 ? `, ${formatBytes(reserved)} reserved for uploads` : ""}`;
  return (
    <div class="usage">
      <div class="usage-bar" role="meter" aria-label="Storage used" aria-valuemin={0} aria-valuemax={usage.quotaBytes} aria-valuenow={Math.min(taken, usage.quotaBytes)} aria-valuetext={text}>
        <span style={{ width: `${Math.max(pct, taken > 0 ? 1 : 0)}%` }} class={pct > 90 ? "full" : ""} />
      </div>
      <p class="usage-text">
        {text} · {usage.files} {usage.files === 1 ? "file" : "files"}
      </p>
    </div>
  );
}
