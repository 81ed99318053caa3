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
  template: Template;
  usedNames: string[];
  usedValues: string[];
}

/** One parser's `parse` with a cache of its own (exported for the tests, which wrap the uncached parser). */
export function cachingParse(kind: ParserKind, parse: ExpressionParser["parse"], maxEntries: number): ExpressionParser["parse"] {
  const entries = new Map<string, Entry>();
  return (input, options) => {
    const context = options?.context;
    // dynalite always passes a context and starts at the grammar's start rule; anything else is parsed as asked.
    if (!context || typeof input !== "string" || "startRule" in options) return parse(input, options);
    const key = cacheKey(kind, input, context);
    const hit = entries.get(key);
    if (hit) {
      entries.delete(key);
      entries.set(key, hit);
      markUsed(context, hit.usedNames, hit.usedValues);
      return instantiate(hit.template, context.attrVals);
    }
    if (READS_VALUE_CONTENT.test(input)) return parse(input, options);
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
    if (template) {
      entries.set(key, { template, usedNames, usedValues });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    }
    return result;
  };
}

function cacheKey(kind: ParserKind, input: string, context: ParseContext): string {
  let key = `${kind}\0${context.isKeyCondition ? 1 : 0}\0${input}\0${JSON.stringify(context.attrNames ?? null)}`;
  // The projection parser reads names only; the others read names and the values' types.
  const values = context.attrVals;
  if (kind !== "projection" && values) for (const placeholder in values) key += `\0${placeholder}=${typeOf(values[placeholder])}`;
  return key;
}

/** Every type key a value carries (validation allows one; a malformed value still gets a key of its own). */
function typeOf(value: AttributeValue | null | undefined): string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return `(${typeof value})`;
  let types = "";
  for (const type in value) if (value[type] !== null && value[type] !== undefined) types += `${type}|`;
  return types;
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

/**
 * A parse's tree, flattened: its arrays and objects in post-order (children before parents, the root last),
 * each child a constant, another node, or a slot naming the placeholder whose value goes there. A node the
 * tree holds twice is one node here, so it is one node again in every copy (the update parser lists each
 * path both in its section and in `paths`).
 */
interface Template {
  nodes: TemplateNode[];
}
interface TemplateNode {
  /** null for an array; otherwise the object's prototype (the parsers make some with none). */
  proto: object | null | "array";
  keys: string[];
  children: Child[];
}
const enum ChildKind {
  Constant,
  Node,
  Slot,
}
interface Child {
  kind: ChildKind;
  /** The constant, the node's index, or the placeholder. */
  of: unknown;
}

/**
 * The template of a parse, or undefined when it cannot be kept: a node that is neither a plain object, an
 * array nor a primitive, a node inside itself, or two placeholders holding one object.
 */
function templateOf(tree: object, values: Record<string, AttributeValue>): Template | undefined {
  const slots = new Map<unknown, string>();
  for (const placeholder in values) {
    const value = values[placeholder];
    if (value !== null && typeof value === "object") {
      if (slots.has(value)) return undefined;
      slots.set(value, placeholder);
    }
  }
  const nodes: TemplateNode[] = [];
  const indexes = new Map<object, number>();
  const visiting = new Set<object>();
  const childOf = (value: unknown): Child | undefined => {
    if (value === null || typeof value !== "object") return { kind: ChildKind.Constant, of: value };
    const placeholder = slots.get(value);
    if (placeholder !== undefined) return { kind: ChildKind.Slot, of: placeholder };
    const known = indexes.get(value);
    if (known !== undefined) return { kind: ChildKind.Node, of: known };
    if (visiting.has(value)) return undefined;
    const proto = Array.isArray(value) ? "array" : (Object.getPrototypeOf(value) as object | null);
    if (proto !== "array" && proto !== Object.prototype && proto !== null) return undefined;
    visiting.add(value);
    const node: TemplateNode = { proto, keys: [], children: [] };
    for (const [key, child] of Object.entries(value)) {
      const spec = childOf(child);
      if (!spec) return undefined;
      node.keys.push(key);
      node.children.push(spec);
    }
    visiting.delete(value);
    indexes.set(value, nodes.length);
    nodes.push(node);
    return { kind: ChildKind.Node, of: nodes.length - 1 };
  };
  return childOf(tree) ? { nodes } : undefined;
}

/** A fresh tree from a template, with this request's value objects in the slots. */
function instantiate(template: Template, values: Record<string, AttributeValue> | undefined): unknown {
  const built: unknown[] = [];
  for (const node of template.nodes) {
    const { children } = node;
    if (node.proto === "array") {
      const out: unknown[] = [];
      for (let i = 0; i < children.length; i++) out.push(childValue(children[i]!, built, values));
      built.push(out);
    } else {
      const out = (node.proto === null ? Object.create(null) : {}) as Record<string, unknown>;
      for (let i = 0; i < children.length; i++) out[node.keys[i]!] = childValue(children[i]!, built, values);
      built.push(out);
    }
  }
  return built[built.length - 1];
}

function childValue(child: Child, built: unknown[], values: Record<string, AttributeValue> | undefined): unknown {
  if (child.kind === ChildKind.Constant) return child.of;
  if (child.kind === ChildKind.Node) return built[child.of as number];
  return values?.[child.of as string];
}
