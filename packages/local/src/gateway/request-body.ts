import type { IncomingMessage } from "node:http";

/**
 * The request body, up to API Gateway's payload limit. "too-large" as soon as the declared or received
 * size passes it (the rest is never buffered); "aborted" when the client went away or was cut off for
 * being too slow, which is the client's doing and no error of ours.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | "too-large" | "aborted"> {
  if (Number(req.headers["content-length"] ?? 0) > maxBytes) return "too-large";
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) return "too-large";
      chunks.push(chunk as Buffer);
    }
  } catch {
    return "aborted";
  }
  // A stream cut short can end without an error; only a complete body goes to a handler.
  if (!req.complete) return "aborted";
  return Buffer.concat(chunks);
}
