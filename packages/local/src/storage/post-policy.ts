import { S3Errors } from "./s3-errors";

/**
 * The POST policy of a browser upload, decoded and checked the way S3 checks it
 * (docs: "Creating a POST policy" / sigv4-HTTPPOSTConstructPolicy, and the behaviour the ceph s3-tests
 * `test_post_object_*` pin down against S3):
 * - the document's own keys (`expiration`, `conditions`) are case-sensitive; condition operators and
 *   field names are not (`["StArTs-WiTh", "$KeY", …]` is valid);
 * - every condition must hold; a condition on a field the form does not carry fails, even `["eq", "$f", ""]`;
 * - `starts-with` on Content-Type treats a comma-separated value as a list, each item must match;
 * - every form field before the file must be named by some condition, except `policy`, `x-amz-signature`,
 *   `file` and names starting with `x-ignore-`; the bucket counts as a field, so a policy must bind it.
 * Pure: the caller supplies the fields and the clock. The signature is checked before this (sigv4.ts).
 */

export type PolicyCondition =
  | { op: "eq"; field: string; name: string; value: string }
  | { op: "starts-with"; field: string; name: string; value: string }
  | { op: "content-length-range"; min: number; max: number };

export interface PostPolicy {
  expiration: Date;
  conditions: PolicyCondition[];
}

export interface LengthRange {
  min: number;
  max: number;
}

/** S3's ceiling for one POST upload: 5 GiB. */
export const MAX_POST_OBJECT_BYTES = 5 * 1024 ** 3;

/** Fields S3 never asks a condition for. */
const EXEMPT_FIELDS = new Set(["policy", "x-amz-signature", "file"]);

const ISO8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export function decodePostPolicy(base64: string): PostPolicy {
  const compact = base64.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw S3Errors.invalidPolicyDocument("Invalid base64 encoding.");
  }
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(compact, "base64").toString("utf8"));
  } catch {
    throw S3Errors.invalidPolicyDocument("Invalid JSON.");
  }
  if (!isRecord(document)) throw S3Errors.invalidPolicyDocument("Invalid JSON.");

  const expiration = document.expiration;
  if (expiration === undefined) throw S3Errors.invalidPolicyDocument("Policy missing expiration.");
  if (typeof expiration !== "string" || !ISO8601.test(expiration) || Number.isNaN(Date.parse(expiration))) {
    throw S3Errors.invalidPolicyDocument(`Invalid 'expiration' value: '${String(expiration)}'`);
  }
  const rawConditions = document.conditions;
  if (rawConditions === undefined) throw S3Errors.invalidPolicyDocument("Policy missing conditions.");
  if (!Array.isArray(rawConditions)) throw S3Errors.invalidPolicyDocument("Invalid 'conditions' value: must be a list.");

  return { expiration: new Date(expiration), conditions: rawConditions.map(parseCondition) };
}

function parseCondition(raw: unknown): PolicyCondition {
  if (isRecord(raw)) {
    const entries = Object.entries(raw);
    if (entries.length !== 1) {
      throw S3Errors.invalidPolicyDocument("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.");
    }
    const [name, value] = entries[0] as [string, unknown];
    if (typeof value !== "string") throw S3Errors.invalidPolicyDocument("Invalid Simple-Condition: value must be a string.");
    return { op: "eq", field: name.toLowerCase(), name, value };
  }
  if (!Array.isArray(raw) || raw.length === 0 || typeof raw[0] !== "string") {
    throw S3Errors.invalidPolicyDocument("Invalid Condition: must be an object or a list.");
  }
  const op = raw[0].toLowerCase();
  if (op === "content-length-range") {
    if (raw.length !== 3) throw S3Errors.invalidPolicyDocument("Invalid content-length-range: wrong number of arguments.");
    const min = lengthBound(raw[1]);
    const max = lengthBound(raw[2]);
    if (min === undefined || max === undefined) {
      throw S3Errors.invalidPolicyDocument("Invalid content-length-range: bounds must be non-negative integers.");
    }
    return { op, min, max };
  }
  if (op === "eq" || op === "starts-with") {
    const [, target, value] = raw as unknown[];
    if (raw.length !== 3 || typeof target !== "string" || typeof value !== "string") {
      throw S3Errors.invalidPolicyDocument(`Invalid Condition: '${raw[0]}' takes a field name and a string value.`);
    }
    if (!target.startsWith("$") || target.length < 2) {
      throw S3Errors.invalidPolicyDocument(`Invalid Condition: field names must start with '$': '${target}'`);
    }
    const name = target.slice(1);
    return { op, field: name.toLowerCase(), name, value };
  }
  throw S3Errors.invalidPolicyDocument(`Invalid Condition: unknown operation '${raw[0]}'.`);
}

function lengthBound(value: unknown): number | undefined {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export interface PolicyInput {
  /** The bucket the request was sent to (the URL's), which S3 checks `{"bucket": …}` against. */
  bucket: string;
  /**
   * Form fields that preceded the file, names lower-cased (S3 field names are case-insensitive), with the
   * key already carrying its `${filename}` substitution.
   */
  fields: ReadonlyMap<string, string>;
  now: Date;
}

/** Throws S3's refusal for the first rule the form breaks; returns the allowed object size. */
export function checkPostPolicy(policy: PostPolicy, input: PolicyInput): LengthRange {
  if (input.now.getTime() > policy.expiration.getTime()) throw S3Errors.policyRefused("Policy expired.");

  const formBucket = input.fields.get("bucket");
  if (formBucket !== undefined && formBucket !== input.bucket) {
    throw S3Errors.policyRefused(`Policy Condition failed: ${formatCondition("eq", "bucket", formBucket)}`);
  }
  const values = new Map(input.fields);
  values.set("bucket", input.bucket);

  const range: LengthRange = { min: 0, max: MAX_POST_OBJECT_BYTES };
  const covered = new Set<string>();
  for (const condition of policy.conditions) {
    if (condition.op === "content-length-range") {
      range.min = Math.max(range.min, condition.min);
      range.max = Math.min(range.max, condition.max);
      continue;
    }
    covered.add(condition.field);
    const actual = values.get(condition.field);
    if (actual === undefined || !conditionHolds(condition, actual)) {
      throw S3Errors.policyRefused(`Policy Condition failed: ${formatCondition(condition.op, condition.name, condition.value)}`);
    }
  }

  const extra = [...values.keys()].filter((name) => !EXEMPT_FIELDS.has(name) && !name.startsWith("x-ignore-") && !covered.has(name));
  if (extra.length > 0) throw S3Errors.policyRefused(`Extra input fields: ${extra.join(", ")}`);
  return range;
}

function conditionHolds(condition: { op: "eq" | "starts-with"; field: string; value: string }, actual: string): boolean {
  if (condition.op === "eq") return actual === condition.value;
  if (condition.field === "content-type") {
    // S3: "Content-Types values for a starts-with condition that include commas are interpreted as lists.
    // Each value in the list must meet the condition for the whole condition to pass."
    return actual.split(",").every((item) => item.trim().startsWith(condition.value));
  }
  return actual.startsWith(condition.value);
}

function formatCondition(op: string, name: string, value: string): string {
  return `[${JSON.stringify(op)}, ${JSON.stringify(`$${name}`)}, ${JSON.stringify(value)}]`;
}

/** S3 substitutes the file part's name for `${filename}` in the key field. */
export function substituteFilename(key: string, filename: string | undefined): string {
  return key.split("${filename}").join(filename ?? "");
}

/** Where the browser goes after the upload, per `success_action_status`: S3 answers 204 unless told 200 or 201. */
export function successStatus(value: string | undefined): 200 | 201 | 204 {
  return value === "200" ? 200 : value === "201" ? 201 : 204;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
