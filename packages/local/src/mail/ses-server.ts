import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { LocalIam } from "../iam/local-iam";
import { serviceVerifier, type SigV4FailureKind } from "../iam/sigv4-service";
import { guardHosts, servedHosts, type ServedHosts } from "../host-guard";
import { listenLocal } from "../listen-local";

/**
 * SES v2's SendEmail (`POST /v2/email/outbound-emails`, REST-JSON), the one call the functions make,
 * so their SES adapter runs unchanged; the message lands in the local outbox beside the user pool's
 * codes. Checked as SES checks it: the SigV4 signature against the local IAM's keys, then the caller's
 * `ses:SendEmail` grant on the sender's identity (403 AccessDeniedException without it), then that the
 * sender is a verified identity (here: the addresses or domains given), then a simple text message to one
 * or more recipients. The grant comes from the synthesized policies (function-policies.json): the local
 * stage is synthesized as a stage with SES sending from LOCAL_NOTICE_IDENTITY (stacks/local-policies.ts).
 */
export interface SentMail {
  from: string;
  to: string;
  subject: string;
  text: string;
}

const FAILURES: Record<SigV4FailureKind, { status: number; code: string }> = {
  missing: { status: 403, code: "MissingAuthenticationTokenException" },
  incomplete: { status: 400, code: "IncompleteSignatureException" },
  "unknown-key": { status: 403, code: "UnrecognizedClientException" },
  mismatch: { status: 403, code: "InvalidSignatureException" },
};
const PATH = "/v2/email/outbound-emails";
/** SES's limit on a message, raw MIME included; the JSON around a simple one is smaller. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

class SesError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LocalSesOptions {
  iam: LocalIam;
  /** Verified sender identities: addresses, or domains (every address at one). */
  identities: string[];
  deliver(mail: SentMail): Promise<void>;
  port?: number;
  hosts?: ServedHosts;
}

export async function startLocalSes(options: LocalSesOptions): Promise<{ endpoint: string; close(): Promise<void> }> {
  const verify = serviceVerifier({ service: "ses", region: options.iam.region, secretOf: (id) => options.iam.secretOf(id) });
  const identities = options.identities.map((i) => i.toLowerCase());
  const server: Server = createServer(
    guardHosts(options.hosts ?? servedHosts({}), (req, res) => {
      handle(req).then(
        (messageId) => send(res, 200, { MessageId: messageId }),
        (error: unknown) => {
          if (error instanceof SesError) send(res, error.status, { message: error.message }, error.code);
          else send(res, 500, { message: "Internal error" }, "InternalFailure");
        },
      );
    }),
  );

  async function handle(req: IncomingMessage): Promise<string> {
    const url = req.url ?? "/";
    if (req.method !== "POST" || url.split("?")[0] !== PATH) throw new SesError(404, "NotFoundException", `${req.method} ${url} is not an operation of the local SES (SendEmail only).`);
    const body = await readBody(req);
    const verified = await verify({ method: "POST", url, rawHeaders: req.rawHeaders, body });
    if (!verified.ok) {
      const failure = FAILURES[verified.kind];
      throw new SesError(failure.status, failure.code, verified.message);
    }
    const mail = parseSimpleEmail(body);
    const address = senderAddress(mail.from);
    const domain = address.split("@")[1] ?? "";
    // The grant names the identity the sender is verified as: its address, else its domain.
    const identity = identities.includes(address) || !identities.includes(domain) ? address : domain;
    const resource = `arn:aws:ses:${options.iam.region}:${options.iam.accountId}:identity/${identity}`;
    const decision = options.iam.authorize(verified.accessKeyId, { action: "ses:SendEmail", resource });
    if (!decision.allowed) throw new SesError(403, "AccessDeniedException", decision.message);
    if (!identities.includes(address) && !identities.includes(domain)) {
      throw new SesError(400, "MessageRejected", `Email address is not verified. The following identities failed the check in region ${options.iam.region.toUpperCase()}: ${mail.from}`);
    }
    for (const to of mail.to) await options.deliver({ from: mail.from, to, subject: mail.subject, text: mail.text });
    return randomUUID();
  }

  const listening = await listenLocal(server, options.port);
  return { endpoint: listening.endpoint, close: () => listening.close() };
}

/** SendEmail's request, the simple-content form only (the functions send no raw or templated mail). */
function parseSimpleEmail(body: Buffer): { from: string; to: string[]; subject: string; text: string } {
  let input: unknown;
  try {
    input = JSON.parse(body.toString("utf8"));
  } catch {
    throw new SesError(400, "BadRequestException", "The request body is not valid JSON.");
  }
  const request = (input ?? {}) as {
    FromEmailAddress?: unknown;
    Destination?: { ToAddresses?: unknown };
    Content?: { Simple?: { Subject?: { Data?: unknown }; Body?: { Text?: { Data?: unknown } } } };
  };
  const from = request.FromEmailAddress;
  if (typeof from !== "string" || !from) throw new SesError(400, "BadRequestException", "FromEmailAddress is required.");
  const to = request.Destination?.ToAddresses;
  if (!Array.isArray(to) || to.length === 0 || to.length > 50 || !to.every((a): a is string => typeof a === "string" && /^[^\s@]+@[^\s@]+$/.test(a))) {
    throw new SesError(400, "BadRequestException", "Destination.ToAddresses must hold 1 to 50 email addresses.");
  }
  const simple = request.Content?.Simple;
  if (!simple) throw new SesError(400, "BadRequestException", "Content.Simple is required here (the local SES sends no raw or templated mail).");
  const subject = simple.Subject?.Data;
  const text = simple.Body?.Text?.Data;
  if (typeof subject !== "string" || typeof text !== "string") throw new SesError(400, "BadRequestException", "Content.Simple needs Subject.Data and Body.Text.Data.");
  return { from, to, subject, text };
}

/** The address of `Name <address>` or of a bare address, lower-cased as SES compares identities. */
function senderAddress(from: string): string {
  return (/<([^>]+)>\s*$/.exec(from)?.[1] ?? from).trim().toLowerCase();
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new SesError(400, "MessageRejected", "Message length is more than 10485760 bytes long."));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, payload: unknown, errorType?: string): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": randomUUID(),
    ...(errorType ? { "x-amzn-errortype": errorType } : {}),
  });
  res.end(body);
}
