import { describe, expect, it } from "vitest";
import type { AttributeValue, ExpressionParser, ParseContext } from "./dynalite-internals";
import { cachingParse, uncachedParse, type ParserKind } from "./expression-cache";

// The cache in-process, around dynalite's own parsers: how often they really parse, and that a tree from
// the cache is the tree a parse of this request would give, holding this request's value objects.
function counted(kind: ParserKind, maxEntries = 10) {
  const parse = uncachedParse(kind);
  const calls = { count: 0 };
  const cached = cachingParse(kind, (input, options) => (calls.count++, parse(input, options)), maxEntries);
  return { cached, parse, calls };
}

function contextOf(attrNames: Record<string, string> | undefined, attrVals?: Record<string, AttributeValue>): ParseContext {
  return {
    attrNames,
    attrVals,
    unusedAttrNames: Object.fromEntries(Object.keys(attrNames ?? {}).map((name) => [name, true])),
    unusedAttrVals: Object.fromEntries(Object.keys(attrVals ?? {}).map((value) => [value, true])),
    isReserved: () => false,
    compare: () => false,
  };
}

const parseWith = (parse: ExpressionParser["parse"], text: string, context: ParseContext) => parse(text, { context });

describe("cachingParse", () => {
  it("parses a text once per names and value types, and gives each request a tree of its own values", () => {
    const { cached, parse, calls } = counted("update");
    const text = "SET #a = :v, #n = #n + :one REMOVE #gone";
    const names = { "#a": "title", "#n": "views", "#gone": "draft" };
    const requests = [1, 2, 3].map((i) => contextOf(names, { ":v": { S: `title ${i}` }, ":one": { N: String(i) } }));
    const trees = requests.map((context) => parseWith(cached, text, context));
    expect(calls.count).toBe(1);
    requests.forEach((context, i) => {
      // The same shape as the parser's own tree for this request, made of fresh nodes around its own values.
      expect(trees[i]).toEqual(parseWith(parse, text, contextOf(names, context.attrVals)));
      const sections = (trees[i] as { sections: { val: unknown; path: unknown }[]; paths: unknown[] }).sections;
      expect(sections[0]!.val).toBe(context.attrVals![":v"]);
      expect((sections[1]!.val as { args: unknown[] }).args[1]).toBe(context.attrVals![":one"]);
      // Nodes shared in the parser's tree stay shared (each path is in its section and in `paths`).
      expect((trees[i] as { paths: unknown[] }).paths[0]).toBe(sections[0]!.path);
      expect(context.unusedAttrNames).toEqual({});
      expect(context.unusedAttrVals).toEqual({});
    });
    expect(trees[0]).not.toBe(trees[1]);
    expect((trees[0] as { sections: unknown[] }).sections[0]).not.toBe((trees[1] as { sections: unknown[] }).sections[0]);

    parseWith(cached, text, contextOf({ ...names, "#a": "label" }, { ":v": { S: "x" }, ":one": { N: "1" } }));
    parseWith(cached, text, contextOf(names, { ":v": { N: "1" }, ":one": { N: "1" } }));
    expect(calls.count).toBe(3);
  });

  it("marks used only the placeholders of its own text, on a hit as on a parse", () => {
    const { cached, calls } = counted("condition");
    const values = { ":v": { S: "a" }, ":w": { S: "b" } };
    for (let i = 0; i < 2; i++) {
      const context = contextOf({ "#a": "x", "#b": "y" }, values);
      parseWith(cached, "#a = :v", context);
      expect([context.unusedAttrNames, context.unusedAttrVals]).toEqual([{ "#b": true }, { ":w": true }]);
    }
    expect(calls.count).toBe(1);
  });

  it("never keeps an error: each one is parsed again", () => {
    const { cached, calls } = counted("update");
    for (let i = 0; i < 3; i++) {
      expect(() => parseWith(cached, "SET #a = = :v", contextOf({ "#a": "a" }, { ":v": { N: "1" } }))).toThrow();
      expect(parseWith(cached, "ADD #a :v", contextOf({ "#a": "a" }, { ":v": { S: "one" } }))).toMatch(/^Incorrect operand type/);
    }
    expect(calls.count).toBe(6);
  });

  it("always parses texts whose checks read a value's content", () => {
    const { cached, calls } = counted("condition");
    for (let i = 0; i < 2; i++) {
      parseWith(cached, "#a BETWEEN :low AND :high", contextOf({ "#a": "a" }, { ":low": { N: "1" }, ":high": { N: "2" } }));
      parseWith(cached, "attribute_type(#a, :t)", contextOf({ "#a": "a" }, { ":t": { S: "S" } }));
    }
    expect(calls.count).toBe(4);
  });

  it("keeps at most its bound of entries, the least recently used leaving first", () => {
    const { cached, calls } = counted("projection", 2);
    const project = (text: string) => parseWith(cached, text, contextOf(undefined));
    project("a");
    project("b");
    project("a"); // a is now the most recent
    project("c"); // evicts b
    expect(calls.count).toBe(3);
    project("a");
    project("c");
    expect(calls.count).toBe(3);
    project("b");
    expect(calls.count).toBe(4);
  });
});
