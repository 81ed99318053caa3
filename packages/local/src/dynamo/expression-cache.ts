import { expressionParsers, type AttributeValue, type ExpressionParser, type ParseContext } from "./dynalite-internals";

/**
 * Remembers dynalite's parses of expressions (condition, update, projection, key condition, filter).
 *
 * Why: dynalite parses every expression of every call with a PEG parser, and the service sends the same
 * few expression texts again and again with new values; under the presign benchmark the parsing was about
 * a quarter of the local DynamoDB thread's CPU. dynalite has no hook for this, so the parsers' `parse` is
 * wrapped on their module objects (dynalite-internals.ts `expressionParsers`), node_modules untouched.
 *
 * A parse is not a function of the text alone. While parsing, dynalite resolves `#name` and `:value`
 * placeholders from the request: names become strings inside the tree (and decide path overlap and
 * distinctness errors), values are placed in the tree as the request's own objects, and type checks read
 * the values' types (ADD needs a number or a set, `begins_with` a string…). So:
 * - the key is the parser, the text, the request's ExpressionAttributeNames in full, and the *type* of each
 *   ExpressionAttributeValues entry (never its content);
 * - what is kept is a template of the tree in which each value is a slot naming its placeholder; a hit
 *   builds a fresh tree from it with *this* request's value objects in the slots, so no request ever sees
 *   another's values or shares a node with it;
 * - the placeholders the parse used are recorded and marked used on every hit, as the parser would
 *   (validations/index.js reports the unused ones after all expressions of a call are parsed);
 * - two checks read a value's content, not only its type: BETWEEN (lower bound ≤ upper) and
 *   `attribute_type` (a known type name). Texts that may contain either are always parsed;
 * - only successful parses are kept: a syntax error (thrown) or a semantic error (returned as a message)
 *   comes from a real parse each time, so a malformed expression is a ValidationException every time.
 *
 * Bounded (least recently used first out); parsing is per thread and pure given the key, so one cache per
 * parser module serves every local DynamoDB in the thread.
 */
export const EXPRESSION_CACHE_ENTRIES = 1_000;

/** Texts whose parse may depend on a value's content (see above): never served from the cache. */
const READS_VALUE_CONTENT = /between|attribute_type/i;

export type ParserKind = keyof typeof expressionParsers;

/**
 * The parser's own `parse`, kept on the module object: the mark that it is wrapped (the CommonJS module
 * outlives any one ESM instance of this file, as in a test runner's worker) and the way to reach it.
 */
const UNCACHED = Symbol.for("media.local.dynamo.uncachedParse");
type Wrapped = ExpressionParser & { [UNCACHED]?: ExpressionParser["parse"] };

/** Wraps each of dynalite's expression parsers with a cache, once per thread. */
export function cacheParsedExpressions(maxEntries = EXPRESSION_CACHE_ENTRIES): void {
  for (const kind of Object.keys(expressionParsers) as ParserKind[]) {
    const parser: Wrapped = expressionParsers[kind];
    if (parser[UNCACHED]) continue;
    const parse = parser.parse.bind(parser);
    parser[UNCACHED] = parse;
    parser.parse = cachingParse(kind, parse, maxEntries);
  }
}

/** dynalite's parser without the cache, whether or not it is wrapped. */
export function uncachedParse(kind: ParserKind): ExpressionParser["parse"] {
  const parser: Wrapped = expressionParsers[kind];
  return parser[UNCACHED] ?? parser.parse.bind(parser);
}

interface Entry {
  template: unknown;
  usedNames: string[];
  usedValues: string[];
}

/** Where a request's value goes in a cached tree. */
class Slot {
  constructor(readonly placeholder: string) {}
}

/** One parser's `parse` with a cache of its own (exported for the tests, which wrap the uncached parser). */
export function cachingParse(kind: ParserKind, parse: ExpressionParser["parse"], maxEntries: number): ExpressionParser["parse"] {
  const entries = new Map<string, Entry>();
  return (input, options) => {
    const context = options?.context;
    if (!context || typeof input !== "string" || READS_VALUE_CONTENT.test(input)) return parse(input, options);
    const key = cacheKey(kind, input, context);
    const hit = entries.get(key);
    if (hit) {
      entries.delete(key);
      entries.set(key, hit);
      markUsed(context, hit.usedNames, hit.usedValues);
      return instantiate(hit.template, context.attrVals ?? {});
    }
    // Parsed with bookkeeping of its own, to learn which placeholders this text uses.
    const names = Object.keys(context.attrNames ?? {});
    const values = Object.keys(context.attrVals ?? {});
    const probe: ParseContext = { ...context, unusedAttrNames: allTrue(names), unusedAttrVals: allTrue(values) };
    const result = parse(input, { ...options, context: probe });
    const usedNames = names.filter((name) => !(name in probe.unusedAttrNames!));
    const usedValues = values.filter((value) => !(value in probe.unusedAttrVals!));
    markUsed(context, usedNames, usedValues);
    if (result === null || typeof result !== "object") return result; // an error message: never kept
    const template = templateOf(result, context.attrVals ?? {});
    if (template !== NOT_CACHEABLE) {
      entries.set(key, { template, usedNames, usedValues });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    }
    return result;
  };
}

function cacheKey(kind: ParserKind, input: string, context: ParseContext): string {
  // The projection parser reads names only; the others read names and the values' types.
  const types = kind === "projection" ? "" : Object.entries(context.attrVals ?? {}).map(([placeholder, value]) => `${placeholder}=${typeOf(value)}`).join(",");
  return `${kind}\0${context.isKeyCondition ? 1 : 0}\0${input}\0${JSON.stringify(context.attrNames ?? null)}\0${types}`;
}

/** Every type key a value carries (validation allows one; a malformed value still gets a key of its own). */
function typeOf(value: AttributeValue | null | undefined): string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return `(${typeof value})`;
  return Object.keys(value)
    .filter((type) => value[type] !== null && value[type] !== undefined)
    .join("|");
}

function allTrue(keys: string[]): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const key of keys) out[key] = true;
  return out;
}

function markUsed(context: ParseContext, names: string[], values: string[]): void {
  for (const name of names) delete context.unusedAttrNames?.[name];
  for (const value of values) delete context.unusedAttrVals?.[value];
}

const NOT_CACHEABLE = Symbol("not cacheable");

/**
 * A copy of a parse's tree with each of the request's value objects replaced by a slot. Shared nodes stay
 * shared (the update parser lists each path both in its section and in `paths`). Anything but plain
 * objects, arrays and primitives, or two placeholders holding one object, and the parse is not kept.
 */
function templateOf(tree: unknown, values: Record<string, AttributeValue>): unknown {
  const slots = new Map<unknown, Slot>();
  for (const [placeholder, value] of Object.entries(values)) {
    if (slots.has(value)) return NOT_CACHEABLE;
    slots.set(value, new Slot(placeholder));
  }
  const copies = new Map<object, unknown>();
  let cacheable = true;
  const copy = (node: unknown): unknown => {
    if (node === null || typeof node !== "object") return node;
    const slot = slots.get(node);
    if (slot) return slot;
    if (copies.has(node)) return copies.get(node);
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      copies.set(node, out);
      for (const item of node) out.push(copy(item));
      return out;
    }
    const proto = Object.getPrototypeOf(node) as object | null;
    if (proto !== Object.prototype && proto !== null) {
      cacheable = false;
      return node;
    }
    const out = Object.create(proto) as Record<string, unknown>;
    copies.set(node, out);
    for (const [k, v] of Object.entries(node)) out[k] = copy(v);
    return out;
  };
  const template = copy(tree);
  return cacheable ? template : NOT_CACHEABLE;
}

/** A fresh tree from a template, with this request's value objects in the slots. */
function instantiate(template: unknown, values: Record<string, AttributeValue>): unknown {
  const copies = new Map<object, unknown>();
  const copy = (node: unknown): unknown => {
    if (node === null || typeof node !== "object") return node;
    if (node instanceof Slot) return values[node.placeholder];
    if (copies.has(node)) return copies.get(node);
    if (Array.isArray(node)) {
      const out: unknown[] = [];
      copies.set(node, out);
      for (const item of node) out.push(copy(item));
      return out;
    }
    const out = Object.create(Object.getPrototypeOf(node) as object | null) as Record<string, unknown>;
    copies.set(node, out);
    for (const [k, v] of Object.entries(node)) out[k] = copy(v);
    return out;
  };
  return copy(template);
}
