import { decodeXmlText } from "./s3-xml";

/**
 * Reads a CompleteMultipartUpload body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>
 * <ETag>"…"</ETag></Part>…</CompleteMultipartUpload>`, children of a Part in any order (checksum elements
 * are allowed and ignored: the parts' checksums were verified when they arrived). Returns undefined for
 * anything else (the caller answers MalformedXML).
 */
export interface CompletedPart {
  partNumber: number;
  etag: string;
}

const PART_CHILD = /^\s*<(PartNumber|ETag|Checksum(?:CRC32|CRC32C|CRC64NVME|SHA1|SHA256))>([\s\S]*?)<\/\1>/;

export function parseCompleteRequest(xml: string): CompletedPart[] | undefined {
  const body = xml.replace(/^\uFEFF/, "").replace(/^\s*<\?xml[^>]*\?>/, "").trim();
  const root = /^<CompleteMultipartUpload(?:\s[^>]*)?>([\s\S]*)<\/CompleteMultipartUpload>$/.exec(body);
  if (!root) return undefined;
  let rest = root[1] ?? "";
  const parts: CompletedPart[] = [];
  while (rest.trim() !== "") {
    const part = /^\s*<Part>([\s\S]*?)<\/Part>/.exec(rest);
    if (!part) return undefined;
    rest = rest.slice(part[0].length);
    let inner = part[1] ?? "";
    let partNumber: number | undefined;
    let etag: string | undefined;
    while (inner.trim() !== "") {
      const child = PART_CHILD.exec(inner);
      if (!child) return undefined;
      inner = inner.slice(child[0].length);
      const text = decodeXmlText(child[2] ?? "");
      if (text === undefined) return undefined;
      if (child[1] === "PartNumber") {
        if (!/^\s*\d{1,9}\s*$/.test(text)) return undefined;
        partNumber = Number(text);
      } else if (child[1] === "ETag") {
        etag = text.trim();
      }
    }
    if (partNumber === undefined || etag === undefined) return undefined;
    parts.push({ partNumber, etag });
  }
  return parts;
}
