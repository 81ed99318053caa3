import type { IncomingMessage } from "node:http";

/**
 * A request body read (and parsed) once by whatever stood in front of the table. The guard has to read
 * and hash each body to check its signature and parse it to authorize its actions (dynamo-front.ts); the
 * transactions' handler takes both from here instead of streaming and parsing the same bytes again.
 * dynalite's own operations still read the replayed stream.
 */
export interface PrereadBody {
  bytes: Buffer;
  /** The body parsed as JSON, when it was an object. */
  json?: Record<string, unknown>;
}

const PREREAD = Symbol("preread body");

export function attachPrereadBody<T extends object>(req: T, body: PrereadBody): T {
  return Object.assign(req, { [PREREAD]: body });
}

export function prereadBody(req: IncomingMessage): PrereadBody | undefined {
  return (req as IncomingMessage & { [PREREAD]?: PrereadBody })[PREREAD];
}
