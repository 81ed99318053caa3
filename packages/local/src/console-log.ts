import type { RuntimeLog } from "./runtime";

/** The runtime's own log lines: readable in a terminal, JSON when piped (for tools and CI). */
const pretty = process.stdout.isTTY === true;

function line(level: "info" | "error", message: string, fields?: Record<string, unknown>) {
  const safe = fields ? Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? { name: v.name, message: v.message } : v])) : undefined;
  if (pretty) {
    const extra = safe && Object.keys(safe).length ? ` ${JSON.stringify(safe)}` : "";
    (level === "error" ? process.stderr : process.stdout).write(`${new Date().toISOString().slice(11, 19)} ${level === "error" ? "ERROR " : ""}${message}${extra}\n`);
  } else {
    (level === "error" ? process.stderr : process.stdout).write(`${JSON.stringify({ level, message, time: new Date().toISOString(), ...safe })}\n`);
  }
}

export const consoleLog: RuntimeLog = {
  info: (m, f) => line("info", m, f),
  error: (m, f) => line("error", m, f),
};
