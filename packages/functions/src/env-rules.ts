/**
 * The rules config.ts reads environment variables with: a few lines instead of a schema library, since
 * every function parses its config at cold start and the authorizer then needed zod for nothing else
 * (58 KB of its bundle). Each rule answers the value or every problem with it, worded as zod 3 worded
 * them before (operators' alarms and runbooks quote them).
 */
export type Rule<T> = (raw: string | undefined) => { ok: true; value: T } | { ok: false; problems: string[] };

const ok = <T>(value: T) => ({ ok: true as const, value });
const refused = (problems: string[]) => ({ ok: false as const, problems });

export interface TextRule {
  min?: number;
  max?: number;
  /** Shown instead of the length wording when `min` is not met. */
  minMessage?: string;
  pattern?: { test: RegExp; message: string };
}

/** A required string. */
export function text(rule: TextRule = {}): Rule<string> {
  return (raw) => {
    if (raw === undefined) return refused(["Required"]);
    const problems: string[] = [];
    if (rule.min !== undefined && raw.length < rule.min) problems.push(rule.minMessage ?? `String must contain at least ${rule.min} character(s)`);
    if (rule.max !== undefined && raw.length > rule.max) problems.push(`String must contain at most ${rule.max} character(s)`);
    if (rule.pattern && !rule.pattern.test.test(raw)) problems.push(rule.pattern.message);
    return problems.length ? refused(problems) : ok(raw);
  };
}

/** A positive integer, `fallback` when unset; read as `Number()` reads it (so `0x10` and `1e3` pass). */
export function positiveInt(fallback: number, max?: number): Rule<number> {
  return (raw) => {
    if (raw === undefined) return ok(fallback);
    const n = Number(raw);
    if (Number.isNaN(n)) return refused(["Expected number, received nan"]);
    const problems: string[] = [];
    if (!Number.isInteger(n)) problems.push("Expected integer, received float");
    if (n <= 0) problems.push("Number must be greater than 0");
    if (max !== undefined && n > max) problems.push(`Number must be less than or equal to ${max}`);
    return problems.length ? refused(problems) : ok(n);
  };
}

/** One of some words, `fallback` when unset. */
export function oneOf<const W extends string>(words: readonly W[], fallback: W): Rule<W> {
  return (raw) => {
    if (raw === undefined) return ok(fallback);
    if ((words as readonly string[]).includes(raw)) return ok(raw as W);
    return refused([`Invalid enum value. Expected ${words.map((w) => `'${w}'`).join(" | ")}, received '${raw}'`]);
  };
}

/** A rule whose variable may be unset. */
export function optional<T>(rule: Rule<T>): Rule<T | undefined> {
  return (raw) => (raw === undefined ? ok(undefined) : rule(raw));
}

/** A string turned into a value by `read`, which answers undefined when it cannot. */
export function decoded<T>(read: (raw: string) => T | undefined, message: string): Rule<T> {
  return (raw) => {
    const value = raw === undefined ? undefined : read(raw);
    if (raw === undefined) return refused(["Required"]);
    return value === undefined ? refused([message]) : ok(value);
  };
}

export type Rules = Record<string, Rule<unknown>>;
export type Read<R extends Rules> = { [K in keyof R]: R[K] extends Rule<infer T> ? T : never };

/** Every variable of `rules` read from `env`; a failure names each variable and its problems. */
export function readEnv<R extends Rules>(rules: R, env: NodeJS.ProcessEnv, what: string): Read<R> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, rule] of Object.entries(rules)) {
    const result = rule(env[name]);
    if (result.ok) values[name] = result.value;
    else problems.push(...result.problems.map((p) => `${name}: ${p}`));
  }
  if (problems.length) throw new Error(`Invalid ${what} configuration: ${problems.join("; ")}`);
  return values as Read<R>;
}
