import { styleText } from "node:util";
import { log, type LogEntry, type LogOutput } from "@media/functions/log";
import type { RuntimeLog } from "./runtime";

/**
 * The runtime's own lines go through the functions' logger, so they are redacted and shaped exactly as
 * the handlers' lines are: one stream of logs, whoever wrote a line.
 */
export const consoleLog: RuntimeLog = {
  info: (message, fields) => log.info(message, fields),
  error: (message, fields) => log.error(message, fields),
};

/**
 * In a terminal, lines readable by a person (coloured); piped (to a file, a tool, CI), no output is
 * installed and the logger writes the same JSON lines as on AWS.
 */
export function terminalLogOutput(stream: NodeJS.WriteStream = process.stdout): LogOutput | undefined {
  if (stream.isTTY !== true) return undefined;
  // hasColors() honours NO_COLOR, FORCE_COLOR and the terminal's TERM.
  const colour = stream.hasColors?.() ?? false;
  return (entry) => {
    const text = renderPretty(entry, colour);
    (entry.level === "ERROR" || entry.level === "WARN" || entry.level === "CRITICAL" ? process.stderr : stream).write(`${text}\n`);
  };
}

const LEVEL_STYLE: Record<string, Parameters<typeof styleText>[0]> = {
  DEBUG: "gray",
  INFO: "green",
  WARN: "yellow",
  ERROR: "red",
  CRITICAL: "red",
};
/** Said by every line or by the time and level already: not repeated in a terminal. */
const QUIET_KEYS = new Set(["level", "message", "timestamp", "service"]);

/**
 * `12:34:56 INFO  upload presigned  sub=… fileId=… contentType=image/png`, then an error's stack, if any,
 * indented below. The entry is already redacted by the logger's formatter.
 */
export function renderPretty(entry: LogEntry, colour: boolean): string {
  // The caller decided on colour from its stream; styleText would otherwise look at process.stdout.
  const paint = (style: Parameters<typeof styleText>[0], text: string) => (colour ? styleText(style, text, { validateStream: false }) : text);
  const time = typeof entry.timestamp === "string" ? entry.timestamp.slice(11, 19) : "";
  const level = String(entry.level ?? "INFO");
  let stack: string | undefined;
  const fields: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (QUIET_KEYS.has(key) || value === undefined) continue;
    if (key === "error" && value && typeof value === "object") {
      const e = value as { name?: string; message?: string; stack?: string };
      fields.push(`${paint("dim", "error=")}${paint("red", `${e.name ?? "Error"}: ${e.message ?? ""}`)}`);
      stack = e.stack?.split("\n").slice(1).join("\n");
      continue;
    }
    fields.push(`${paint("dim", `${key}=`)}${typeof value === "string" ? value : JSON.stringify(value)}`);
  }
  const head = `${paint("dim", time)} ${paint(LEVEL_STYLE[level] ?? "white", level.padEnd(5))} ${paint("bold", String(entry.message ?? ""))}`;
  const line = fields.length ? `${head}  ${fields.join(" ")}` : head;
  return stack ? `${line}\n${paint("dim", stack)}` : line;
}

export interface LocalMail {
  to: string;
  subject: string;
  /** A code email's code; a notice has none and shows its subject alone. */
  code?: string;
}

/**
 * The local user pool's email delivery. A person at a terminal is the mailbox, so the code is shown to
 * them, apart from the log stream; piped output (CI, files, log tools) is a log like any other and never
 * carries the code: it says where to read it (`/_local/outbox`).
 */
export function deliverLocalMail(mail: LocalMail, stream: NodeJS.WriteStream = process.stdout): void {
  if (stream.isTTY === true) {
    const colour = stream.hasColors?.() ?? false;
    const code = mail.code === undefined ? "" : `: ${colour ? styleText("bold", mail.code, { validateStream: false }) : mail.code}`;
    stream.write(`✉ to ${mail.to}: ${mail.subject}${code}   (also at /_local/outbox?to=${encodeURIComponent(mail.to)})\n`);
    return;
  }
  log.info("email sent", { to: mail.to, subject: mail.subject, readAt: "/_local/outbox" });
}
