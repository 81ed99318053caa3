import { AsyncLocalStorage } from "node:async_hooks";
import { LogFormatter, LogItem, Logger } from "@aws-lambda-powertools/logger";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";

/**
 * Structured JSON logs, one line each, written by the Powertools Logger. Every line goes through
 * `redact()` in the Logger's formatter, so a careless log call cannot leak a token, password, code or
 * URL signature, whatever it passes and whichever keys were appended.
 *
 * Call sites use the small `log` facade. The fields of the current invocation (request ids, the caller's
 * `sub`, the `fileId`) live in an AsyncLocalStorage scope rather than in the Logger's own persistent
 * keys: the local runtime runs many invocations of a handler at once in one process, and keys appended
 * to a shared Logger would leak from one request into another's lines.
 */
type Level = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

// `code` alone or as Cognito names it (ConfirmationCode), not every key ending in it (errorCode, s3Code).
const SECRET_KEY = /pass(word)?|token|secret|authorization|cookie|^code$|confirmationCode|verificationCode|signature|credential|policy/i;

/** A superset of what each pattern of redactString needs to match anything. */
const MAY_HOLD_SECRET = /[=:]|eyJ|bearer|basic/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return "[depth]";
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: redactString(value.message) };
    if (value.stack) out.stack = redactString(value.stack);
    if (value.cause !== undefined) out.cause = redact(value.cause, depth + 1);
    return out;
  }
  if (typeof value === "string") return redactString(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? "[redacted]" : redact(v, depth + 1);
    return out;
  }
  return value;
}

/**
 * Secrets inside free text: URL signatures and credentials, JWTs, Authorization header values, and
 * `"password": "…"` / `code=…` pairs of a body or query string that ended up in a message.
 */
export function redactString(s: string): string {
  // Most strings logged (ids, names, types, messages) hold none of what the patterns below need: an
  // `=` or `:`, a JWT's `eyJ`, or an auth scheme's name. Those go out as they are, without four scans.
  if (!MAY_HOLD_SECRET.test(s)) return s;
  return s
    .replace(/(X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature)=[^&\s"]+/gi, "$1=[redacted]")
    .replace(/\beyJ[\w-]+\.[\w-]+\.[\w-]+/g, "[jwt]")
    .replace(/\b(Bearer|Basic)\s+[^\s",}]+/gi, "$1 [redacted]")
    // Cognito's request bodies name them Password, ProposedPassword, PreviousPassword, ConfirmationCode;
    // a quoted value may hold escaped quotes.
    .replace(/("?\b(?:[a-z]*password|confirmationCode|verificationCode|code|refreshToken|accessToken|idToken|token)"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|[^&\s,}]+)/gi, "$1[redacted]");
}

/** What a log line holds once formatted and redacted: the Powertools keys plus the line's fields. */
export type LogEntry = LogAttributes & { level: string; message: string; timestamp: string };

/** Powertools' key layout (level, message, timestamp, service, xray_trace_id), redacted throughout. */
class RedactingLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: redactString(attributes.message),
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
    };
    if (attributes.xRayTraceId) base.xray_trace_id = attributes.xRayTraceId;
    return new LogItem({ attributes: base }).addAttributes(redact(additional) as LogAttributes);
  }
}

/** Where formatted lines go instead of stdout as JSON (the local runtime's terminal renderer). */
export type LogOutput = (entry: LogEntry) => void;
let output: LogOutput | undefined;

class MediaLogger extends Logger {
  protected override printLog(logLevel: number, item: LogItem): void {
    if (!output) return super.printLog(logLevel, item);
    item.prepareForPrint();
    output(item.getAttributes() as LogEntry);
  }
}

const logger = new MediaLogger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "media-storage",
  logFormatter: new RedactingLogFormatter(),
});

/**
 * Chosen by a runtime's composition root: the local runtime renders lines for a terminal. Unset (on
 * AWS), the Logger writes JSON lines to stdout/stderr, which CloudWatch Logs keeps as they are.
 */
export function useLogOutput(next: LogOutput | undefined): void {
  output = next;
}

const scope = new AsyncLocalStorage<LogFields>();

/** Runs `fn` with `fields` on every line it logs (and everything it awaits), nested scopes adding theirs. */
export function withLogScope<T>(fields: LogFields, fn: () => T): T {
  return scope.run({ ...scope.getStore(), ...defined(fields) }, fn);
}

/** Adds fields to the current scope once they are known (the `fileId` a presign has just made). */
export function addToLogScope(fields: LogFields): void {
  const store = scope.getStore();
  if (store) Object.assign(store, defined(fields));
}

function defined(fields: LogFields): LogFields {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== ""));
}

function write(level: Level, message: string, fields?: LogFields): void {
  logger[level](message, { ...scope.getStore(), ...fields });
}

export const log = {
  debug: (message: string, fields?: LogFields) => write("debug", message, fields),
  info: (message: string, fields?: LogFields) => write("info", message, fields),
  warn: (message: string, fields?: LogFields) => write("warn", message, fields),
  error: (message: string, fields?: LogFields) => write("error", message, fields),
};
