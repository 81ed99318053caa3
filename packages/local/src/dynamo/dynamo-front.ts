import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { guardHosts, servedHosts, type ServedHosts } from "../host-guard";
import type { AddressInfo } from "node:net";
import type { LocalIam } from "../iam/local-iam";
import { serviceVerifier, type SigV4FailureKind } from "../iam/sigv4-service";
import { dynamoRequests } from "./dynamo-actions";

/**
 * What DynamoDB does before a request reaches a table, which dynalite does not: check the SigV4
 * signature and ask the signer's IAM policy for every action the call needs (dynamo-actions.ts). An
 * accepted request goes on, byte for byte, to the table's own server (dynalite, in its thread).
 *
 * Refusals are DynamoDB's (AWS JSON 1.0, HTTP 400): MissingAuthenticationTokenException,
 * IncompleteSignatureException, UnrecognizedClientException, InvalidSignatureException and
 * AccessDeniedException with AWS's "User: … is not authorized to perform: …" message.
 */
export interface DynamoFrontOptions {
  /** The table server's endpoint, reached only through this front. */
  target: string;
  iam: LocalIam;
  region: string;
  accountId: string;
  port?: number;
  /** The host names it answers for (host-guard.ts); by default loopback. */
  hosts?: ServedHosts;
}

const TARGET_PREFIX = "DynamoDB_20120810.";
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const FAILURES: Record<SigV4FailureKind, string> = {
  missing: "MissingAuthenticationTokenException",
  incomplete: "IncompleteSignatureException",
  "unknown-key": "UnrecognizedClientException",
  mismatch: "InvalidSignatureException",
};

export async function startDynamoFront(options: DynamoFrontOptions): Promise<{ endpoint: string; close(): Promise<void> }> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });
  const verify = serviceVerifier({ service: "dynamodb", region: options.region, secretOf: (id) => options.iam.secretOf(id) });
  const tableArn = (table: string) => `arn:aws:dynamodb:${options.region}:${options.accountId}:table/${table}`;

  const server = createServer(
    guardHosts(options.hosts ?? servedHosts({}), (req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) refuse(res, 500, "InternalServerError", error instanceof Error ? error.message : String(error));
        else res.destroy();
      });
    }),
  );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) return refuse(res, 413, "SerializationException", "Request body too large");
    const verified = await verify({ method: req.method ?? "POST", url: req.url ?? "/", rawHeaders: req.rawHeaders, body });
    if (!verified.ok) return refuse(res, 400, FAILURES[verified.kind], verified.message);
    const targetHeader = String(req.headers["x-amz-target"] ?? "");
    if (targetHeader.startsWith(TARGET_PREFIX)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8") || "{}");
      } catch {
        parsed = undefined;
      }
      // A body that is not JSON goes on to the table's server, which answers it with DynamoDB's SerializationException.
      if (parsed && typeof parsed === "object") {
        for (const request of dynamoRequests(targetHeader.slice(TARGET_PREFIX.length), parsed as Record<string, unknown>, tableArn)) {
          const decision = options.iam.authorize(verified.accessKeyId, request);
          if (!decision.allowed) return refuse(res, 400, "AccessDeniedException", decision.message);
        }
      }
    }
    await forward(req, res, body);
  }

  function forward(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: target.host, "content-length": String(body.length) };
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
        answer.once("end", resolve);
        answer.once("error", reject);
      });
      upstream.once("error", reject);
      upstream.end(body);
    });
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

function refuse(res: ServerResponse, status: number, type: string, message: string): void {
  // DynamoDB spells the member "Message" for access denials and "message" for the signature errors; the SDK reads either.
  const body = JSON.stringify({ __type: `com.amazon.coral.service#${type}`, [type === "AccessDeniedException" ? "Message" : "message"]: message });
  res.writeHead(status, { "content-type": "application/x-amz-json-1.0", "content-length": Buffer.byteLength(body), "x-amzn-requestid": crypto.randomUUID() });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
