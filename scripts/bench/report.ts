/** What each benchmark returns, and the side-by-side table `npm run bench` prints. */
export interface Target {
  /** The figure passes when `value <op> target.value`. */
  op: ">=" | "<" | "<=";
  value: number;
  /** As the issue states it, e.g. "≥ 70% of cp". */
  text: string;
}

export interface Figure {
  label: string;
  value: number;
  unit: string;
  target?: Target;
  digits?: number;
}

export interface BenchResult {
  name: string;
  figures: Figure[];
  /** How it was measured, what to keep in mind reading it. */
  notes: string[];
  /** Set when the benchmark could not run; printed instead of figures. */
  error?: string;
}

export function passes(figure: Figure): boolean | undefined {
  const t = figure.target;
  if (!t) return undefined;
  if (!Number.isFinite(figure.value)) return false;
  return t.op === ">=" ? figure.value >= t.value : t.op === "<=" ? figure.value <= t.value : figure.value < t.value;
}

function formatValue(f: Figure): string {
  if (!Number.isFinite(f.value)) return "n/a";
  const digits = f.digits ?? (Math.abs(f.value) >= 100 ? 0 : Math.abs(f.value) >= 10 ? 1 : 2);
  return `${f.value.toFixed(digits)} ${f.unit}`.trim();
}

/** The whole report as text, and how many targets were missed. */
export function renderReport(results: readonly BenchResult[]): { text: string; checked: number; missed: number; errors: number } {
  const rows: string[][] = [["benchmark", "figure", "measured", "target", ""]];
  let missed = 0;
  let checked = 0;
  let errors = 0;
  for (const r of results) {
    if (r.error) {
      rows.push([r.name, "(did not run)", "", "", "ERROR"]);
      errors += 1;
      continue;
    }
    for (const f of r.figures) {
      const ok = passes(f);
      if (ok !== undefined) checked += 1;
      if (ok === false) missed += 1;
      rows.push([r.name, f.label, formatValue(f), f.target?.text ?? "", ok === undefined ? "" : ok ? "PASS" : "MISS"]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join("  ").trimEnd();
  const out = [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)];
  const notes = results.flatMap((r) => [...(r.error ? [`ERROR: ${r.error}`] : []), ...r.notes].map((n) => `  [${r.name}] ${n}`));
  if (notes.length) out.push("", "Notes:", ...notes);
  return { text: out.join("\n"), checked, missed, errors };
}

/** Accepts what another module's `run()` returns: BenchResult(s) as they are, anything else as printable text. */
export function normalizeExternal(name: string, value: unknown): BenchResult {
  const isResult = (v: unknown): v is BenchResult =>
    typeof v === "object" && v !== null && Array.isArray((v as BenchResult).figures) && typeof (v as BenchResult).name === "string";
  if (isResult(value)) return { ...value, notes: value.notes ?? [] };
  if (Array.isArray(value) && value.every(isResult)) {
    return { name, figures: value.flatMap((v) => v.figures.map((f) => ({ ...f, label: `${v.name}: ${f.label}` }))), notes: value.flatMap((v) => v.notes ?? []) };
  }
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return { name, figures: [], notes: (text ?? "").split("\n") };
}
