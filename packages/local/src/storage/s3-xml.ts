/**
 * The little XML S3 speaks here: escaped text elements for responses, and the one request body we read
 * (DeleteObjects). Keys can hold any Unicode character, so every value goes through `escapeXml`.
 */
export const S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      case "'":
        return "&apos;";
      default:
        // Control characters are legal in keys; S3 writes them as character references.
        return `&#${c.charCodeAt(0)};`;
    }
  });
}

export function xmlElement(name: string, text: string | number | boolean): string {
  return `<${name}>${escapeXml(String(text))}</${name}>`;
}

export function xmlDocument(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
}

export interface DeleteRequest {
  quiet: boolean;
  keys: string[];
}

/**
 * Reads a DeleteObjects body: `<Delete><Quiet>…</Quiet><Object><Key>…</Key></Object>…</Delete>`.
 * Returns undefined for anything that is not that shape (the caller answers MalformedXML).
 */
export function parseDeleteRequest(xml: string): DeleteRequest | undefined {
  const body = xml.replace(/^\uFEFF/, "").replace(/^\s*<\?xml[^>]*\?>/, "").trim();
  const root = /^<Delete(?:\s[^>]*)?>([\s\S]*)<\/Delete>$/.exec(body);
  if (!root) return undefined;
  let rest = root[1] ?? "";
  let quiet = false;
  const keys: string[] = [];
  const child = /^\s*<(Quiet|Object)>([\s\S]*?)<\/\1>/;
  while (rest.trim() !== "") {
    const match = child.exec(rest);
    if (!match) return undefined;
    const [whole, name, content = ""] = match;
    rest = rest.slice(whole.length);
    if (name === "Quiet") {
      const value = content.trim();
      if (value !== "true" && value !== "false") return undefined;
      quiet = value === "true";
      continue;
    }
    const key = /^\s*<Key>([\s\S]*?)<\/Key>(?:\s*<VersionId>[\s\S]*?<\/VersionId>)?(?:\s*<ETag>[\s\S]*?<\/ETag>)?\s*$/.exec(content);
    if (!key) return undefined;
    const text = decodeXmlText(key[1] ?? "");
    if (text === undefined) return undefined;
    keys.push(text);
  }
  return { quiet, keys };
}

export function decodeXmlText(raw: string): string | undefined {
  let out = "";
  let rest = raw;
  while (rest.length > 0) {
    const cdata = /^<!\[CDATA\[([\s\S]*?)\]\]>/.exec(rest);
    if (cdata) {
      out += cdata[1] ?? "";
      rest = rest.slice(cdata[0].length);
      continue;
    }
    const next = rest.search(/<!\[CDATA\[/);
    const chunk = next === -1 ? rest : rest.slice(0, next);
    if (chunk.includes("<")) return undefined;
    const decoded = decodeEntities(chunk);
    if (decoded === undefined) return undefined;
    out += decoded;
    rest = next === -1 ? "" : rest.slice(next);
  }
  return out;
}

function decodeEntities(text: string): string | undefined {
  let failed = false;
  const out = text.replace(/&([^;&\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(";")) {
      failed = true;
      return whole;
    }
    switch (name) {
      case "amp":
        return "&";
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "quot":
        return '"';
      case "apos":
        return "'";
    }
    const code = /^#x([0-9a-fA-F]+)$/.exec(name)?.[1] ?? /^#([0-9]+)$/.exec(name)?.[1];
    if (code === undefined) {
      failed = true;
      return whole;
    }
    const point = name.startsWith("#x") ? Number.parseInt(code, 16) : Number.parseInt(code, 10);
    if (!Number.isFinite(point) || point > 0x10ffff) {
      failed = true;
      return whole;
    }
    return String.fromCodePoint(point);
  });
  return failed ? undefined : out;
}
