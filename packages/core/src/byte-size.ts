/**
 * Sizes as people read them, in the one unit system used everywhere (the web app, the API's messages,
 * the README): binary multiples with their IEC names, since the limits are set in them (2 GiB is
 * 2 × 1024³ bytes, which "2 GB" would misstate by 7%).
 */
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // Three significant digits at most, trailing zeros dropped: "2 GiB", "1.5 GiB", "31.3 KiB", "120 MiB".
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits).replace(/\.0+$|(\.\d*[1-9])0+$/, "$1")} ${UNITS[unit]}`;
}
