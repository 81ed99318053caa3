/**
 * IAM policy evaluation for identity-based policies, as AWS documents it for a principal and a resource
 * of the same account: an explicit Deny wins, then any Allow, otherwise the request is implicitly denied.
 *
 * Why our own and not @cloud-copilot/iam-simulate (the one maintained simulator on npm): it is built to
 * explain a decision (async, loading its dataset of every AWS action), while the local endpoints
 * decide on every call, a thousand times a second under the presign benchmark. The grammar the stacks
 * synthesize is small (Allow statements, actions and ARNs with wildcards, string conditions), and
 * anything outside what is evaluated here is refused when the policies are loaded, so a policy is never
 * silently read more generously than AWS reads it.
 */

export interface PolicyStatement {
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** What a request asks for: one action on one resource, with the condition keys the service sets. */
export interface AuthorizationRequest {
  action: string;
  resource: string;
  /** Condition keys (case-insensitive names) and their values; an absent key is absent from the request. */
  context?: Record<string, string | string[] | undefined>;
}

export type Decision = "allow" | "explicit-deny" | "implicit-deny";

/** The condition operators evaluated here (each also with IfExists, and ForAnyValue:/ForAllValues: qualifiers). */
const STRING_OPERATORS: Record<string, (value: string, pattern: string) => boolean> = {
  StringEquals: (v, p) => v === p,
  StringNotEquals: (v, p) => v !== p,
  StringEqualsIgnoreCase: (v, p) => v.toLowerCase() === p.toLowerCase(),
  StringNotEqualsIgnoreCase: (v, p) => v.toLowerCase() !== p.toLowerCase(),
  StringLike: (v, p) => wildcardMatch(p, v, false),
  StringNotLike: (v, p) => !wildcardMatch(p, v, false),
  Bool: (v, p) => v.toLowerCase() === p.toLowerCase(),
};
const NEGATED = new Set(["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike"]);

/** A compiled policy: statements checked once for what this evaluator understands. */
export class Policy {
  private readonly statements: PolicyStatement[];

  /**
   * @param supportedKeys the condition keys the local endpoints put in a request's context; a statement
   * conditioned on another key would be decided on a missing value, so it is refused here instead.
   */
  constructor(statements: readonly PolicyStatement[], supportedKeys: readonly string[]) {
    const keys = new Set(supportedKeys.map((k) => k.toLowerCase()));
    for (const statement of statements) checkStatement(statement, keys);
    this.statements = [...statements];
  }

  decide(request: AuthorizationRequest): Decision {
    let allowed = false;
    for (const statement of this.statements) {
      if (!matches(statement, request)) continue;
      if (statement.Effect === "Deny") return "explicit-deny";
      allowed = true;
    }
    return allowed ? "allow" : "implicit-deny";
  }

  allows(request: AuthorizationRequest): boolean {
    return this.decide(request) === "allow";
  }
}

function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function checkStatement(statement: PolicyStatement, keys: Set<string>): void {
  const where = JSON.stringify(statement);
  if (statement.Effect !== "Allow" && statement.Effect !== "Deny") throw new Error(`policy statement without Effect Allow or Deny: ${where}`);
  if ((statement.Action === undefined) === (statement.NotAction === undefined)) throw new Error(`policy statement needs exactly one of Action, NotAction: ${where}`);
  if ((statement.Resource === undefined) === (statement.NotResource === undefined)) throw new Error(`policy statement needs exactly one of Resource, NotResource: ${where}`);
  for (const resource of [...list(statement.Resource), ...list(statement.NotResource)]) {
    // Policy variables (${aws:username}) and unresolved template references are not evaluated here.
    if (resource.includes("${")) throw new Error(`policy resource with a variable the local IAM does not resolve: ${resource}`);
  }
  for (const [operator, block] of Object.entries(statement.Condition ?? {})) {
    const { base } = parseOperator(operator);
    if (!(base in STRING_OPERATORS) && base !== "Null") throw new Error(`condition operator ${operator} is not evaluated by the local IAM: ${where}`);
    for (const key of Object.keys(block)) {
      if (!keys.has(key.toLowerCase())) throw new Error(`condition key ${key} is not set by the local endpoints, so ${where} cannot be evaluated as AWS would`);
    }
  }
}

function parseOperator(operator: string): { base: string; qualifier?: "ForAnyValue" | "ForAllValues"; ifExists: boolean } {
  let rest = operator;
  let qualifier: "ForAnyValue" | "ForAllValues" | undefined;
  for (const q of ["ForAnyValue", "ForAllValues"] as const) {
    if (rest.startsWith(`${q}:`)) {
      qualifier = q;
      rest = rest.slice(q.length + 1);
    }
  }
  const ifExists = rest.endsWith("IfExists");
  const base = ifExists ? rest.slice(0, -"IfExists".length) : rest;
  return { base, ifExists, ...(qualifier ? { qualifier } : {}) };
}

function matches(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  const actionHit = (patterns: string[]) => patterns.some((p) => wildcardMatch(p, request.action, true));
  if (statement.Action !== undefined ? !actionHit(list(statement.Action)) : actionHit(list(statement.NotAction))) return false;
  const resourceHit = (patterns: string[]) => patterns.some((p) => arnMatch(p, request.resource));
  if (statement.Resource !== undefined ? !resourceHit(list(statement.Resource)) : resourceHit(list(statement.NotResource))) return false;
  return conditionsHold(statement.Condition ?? {}, request.context ?? {});
}

/** Every operator block must hold, every key in a block must hold, and a key holds when any of its values does. */
function conditionsHold(condition: NonNullable<PolicyStatement["Condition"]>, context: NonNullable<AuthorizationRequest["context"]>): boolean {
  const lookup = (key: string) => {
    const hit = Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase());
    const value = hit === undefined ? undefined : context[hit];
    return value === undefined ? undefined : list(value);
  };
  for (const [operator, block] of Object.entries(condition)) {
    const { base, qualifier, ifExists } = parseOperator(operator);
    for (const [key, raw] of Object.entries(block)) {
      const patterns = (Array.isArray(raw) ? raw : [raw]).map(String);
      const values = lookup(key);
      if (base === "Null") {
        // Null: "true" holds when the key is absent, "false" when it is present.
        if (!patterns.some((p) => (p.toLowerCase() === "true") === (values === undefined))) return false;
        continue;
      }
      const test = STRING_OPERATORS[base]!;
      if (values === undefined) {
        // An absent key: IfExists and ForAllValues hold; so do the negated operators (nothing to differ from).
        if (ifExists || qualifier === "ForAllValues" || NEGATED.has(base)) continue;
        return false;
      }
      // Negated operators hold when the value matches none of the patterns; the others when it matches any.
      const one = (value: string) => (NEGATED.has(base) ? patterns.every((p) => test(value, p)) : patterns.some((p) => test(value, p)));
      const holds = qualifier === "ForAllValues" ? values.every(one) : values.some(one);
      if (!holds) return false;
    }
  }
  return true;
}

/**
 * ARNs are matched field by field (partition, service, region, account), the resource part with `*`
 * and `?` spanning `/` and `:`, as IAM does; an ARN pattern never matches across its own fields.
 */
function arnMatch(pattern: string, resource: string): boolean {
  if (pattern === "*") return true;
  const p = splitArn(pattern);
  const r = splitArn(resource);
  if (!p || !r) return wildcardMatch(pattern, resource, false);
  return p.every((field, i) => wildcardMatch(field, r[i]!, false));
}

function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(":")];
}

const compiled = new Map<string, RegExp>();

/** IAM's glob: `*` any run of characters, `?` one character; actions compare case-insensitively. */
export function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const cacheKey = `${ignoreCase ? "i" : "c"}${pattern}`;
  let re = compiled.get(cacheKey);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    re = new RegExp(`^${body}$`, ignoreCase ? "is" : "s");
    compiled.set(cacheKey, re);
  }
  return re.test(value);
}
