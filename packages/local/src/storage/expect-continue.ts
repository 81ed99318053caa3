import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * `Expect: 100-continue` as S3 answers it: the client holds its body back until the server says
 * "100 Continue", which S3 says only once the request passed its checks (signature, key, conditions);
 * a refusal goes out as the final answer straight away and the body is never sent.
 *
 * Node would send the interim answer itself, before any check, unless the server handles
 * `checkContinue`. Here the interim answer is sent when a handler first reads the body (the stream's
 * 'resume'), which every handler does only after its checks.
 */
const waiting = new WeakSet<IncomingMessage>();

export function continueWhenRead(req: IncomingMessage, res: ServerResponse): void {
  waiting.add(req);
  req.once("resume", () => {
    // A request refused meanwhile was answered already: a late interim answer would corrupt the stream.
    if (waiting.delete(req) && !res.headersSent) res.writeContinue();
  });
}

/**
 * For a refusal: true when the client is still holding its body back. Then nothing is read or drained,
 * the connection is closed after the answer, and no interim answer may follow.
 */
export function refuseBeforeContinue(req: IncomingMessage, res: ServerResponse): boolean {
  if (!waiting.delete(req)) return false;
  if (!res.headersSent) res.setHeader("Connection", "close");
  return true;
}
