import { randomInt, randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { LocalIam } from "../iam/local-iam";
import { serviceVerifier, type SigV4FailureKind } from "../iam/sigv4-service";
import { CognitoError } from "./cognito-errors";
import { OPERATIONS, SIGNED_OPERATIONS } from "./operations";
import { LocalOutbox, type Outbox, type OutboxMessage } from "./outbox";
import { loadOrCreateSigningKey, type Jwks } from "./signing-key";
import { cognitoIssuer } from "./tokens";
import { UserPool } from "./user-pool";
import { UserPoolStore } from "./user-pool-store";
import { guardHosts, servedHosts, type ServedHosts } from "../host-guard";
import { listenLocal } from "../listen-local";

export interface LocalCognitoOptions {
  /** Where the pool's state (`cognito.json`) and signing key live; created when missing. */
  dataDir: string;
  region: string;
  /** Cognito's format, `<region>_<9 letters or digits>`. When omitted: the stored one, or a new one. */
  userPoolId?: string;
  /** The public app client's id. When omitted: the stored one, or a new one. */
  clientId?: string;
  /** 0 or omitted: a free port. */
  port?: number;
  host?: string;
  /** The host names it answers for (host-guard.ts); by default loopback and `host`. */
  hosts?: ServedHosts;
  /**
   * Whether `preferred_username` also signs in as an alias (default true). AWS cannot do this in a pool
   * whose username is the email (see UserPoolDeps), so the runtime and the handler tests turn it off and
   * the API signs usernames in as it does on AWS: ListUsers finds the account, then its email signs in.
   */
  preferredUsernameSignIn?: boolean;
  /**
   * The keys and policies IAM-authorized operations (ListUsers, Admin*) are checked against: a valid
   * SigV4 signature, then `cognito-idp:<Operation>` on this pool in the signer's policy.
   */
  iam: LocalIam;
  /** Called with every confirmation or reset code sent (the runtime prints it). */
  onCode?: (message: OutboxMessage) => void;
  /** Milliseconds since the epoch; tests move it to expire codes and tokens. */
  clock?: () => number;
  /**
   * The time TOTP codes are checked at, `clock` unless given: the runtime started for tests passes the
   * clock of its test-only control (totp-test-clock.ts). Apart from `clock`, so that moving it to the next
   * code's step moves nothing else: tokens, sessions and emailed codes keep their time.
   */
  totpClock?: () => number;
}

export interface LocalCognito {
  /** The endpoint for the SDK (`endpoint` option, or `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`). */
  endpoint: string;
  /** The public keys, for `CognitoJwtVerifier.cacheJwks`. */
  jwks: Jwks;
  userPoolId: string;
  clientId: string;
  /** `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`: the `iss` of every token. */
  issuer: string;
  outbox: Outbox;
  /** Puts mail sent by others (the local SES) into the outbox, kept with the pool's state. */
  deliver(mail: { to: string; subject: string; text: string }): Promise<OutboxMessage>;
  close(): Promise<void>;
}

const TARGET_PREFIX = "AWSCognitoIdentityProviderService.";
/** Cognito's answers (AWS JSON 1.1, HTTP 400) to a signed operation whose SigV4 fails, by what failed. */
const SIGNATURE_FAILURES: Record<SigV4FailureKind, string> = {
  missing: "MissingAuthenticationTokenException",
  incomplete: "IncompleteSignatureException",
  "unknown-key": "UnrecognizedClientException",
  mismatch: "InvalidSignatureException",
};
const MAX_BODY_BYTES = 1 << 20;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomString(alphabet: string, length: number): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
}

/** A pool id as Cognito makes them, `us-east-1_AbC123xYz`: aws-jwt-verify refuses anything else. */
export function newUserPoolId(region: string): string {
  return `${region}_${randomString(ALNUM, 9)}`;
}

/** An app client id as Cognito makes them: 26 lower-case letters and digits. */
export function newClientId(): string {
  return randomString("abcdefghijklmnopqrstuvwxyz0123456789", 26);
}

function checkIds(region: string, userPoolId: string, clientId: string): void {
  if (!REGION.test(region)) throw new Error(`Local Cognito: region ${region} is not an AWS region name like us-east-1`);
  if (!new RegExp(`^${region}_[0-9A-Za-z]{9}$`).test(userPoolId)) {
    throw new Error(`Local Cognito: user pool id ${userPoolId} must look like Cognito's, ${region}_ and 9 letters or digits`);
  }
  if (!/^[\w+]{1,128}$/.test(clientId)) throw new Error(`Local Cognito: client id ${clientId} is not a valid Cognito app client id`);
}

/**
 * Starts a local Cognito user pool that speaks the Cognito Identity Provider API (AWS JSON 1.1 over
 * HTTP) to the real `@aws-sdk/client-cognito-identity-provider` client, and mints tokens exactly as
 * Cognito does, so the same adapter and the same aws-jwt-verify verifier work against it and against AWS.
 */
export async function startLocalCognito(options: LocalCognitoOptions): Promise<LocalCognito> {
  const { dataDir, region } = options;
  const now = options.clock ?? Date.now;
  await mkdir(dataDir, { recursive: true });
  const stored = await UserPoolStore.storedIds(dataDir);
  const userPoolId = options.userPoolId ?? stored?.userPoolId ?? newUserPoolId(region);
  const clientId = options.clientId ?? stored?.clientId ?? newClientId();
  checkIds(region, userPoolId, clientId);

  const store = await UserPoolStore.open(dataDir, { region, userPoolId, clientId });
  const key = await loadOrCreateSigningKey(dataDir);
  const issuer = cognitoIssuer(region, userPoolId);
  const outbox = new LocalOutbox(store.state.outbox, options.onCode);
  const pool = new UserPool({
    store,
    outbox,
    now,
    totpNow: options.totpClock ?? now,
    userPoolId,
    clientId,
    preferredUsernameSignIn: options.preferredUsernameSignIn ?? true,
    signer: { issuer, clientId, kid: key.kid, privateKey: key.privateKey, publicKey: key.publicKey },
  });

  const verify = serviceVerifier({ service: "cognito-idp", region, secretOf: (id) => options.iam.secretOf(id) });
  const poolArn = `arn:aws:cognito-idp:${region}:${options.iam.accountId}:userpool/${userPoolId}`;

  const server = createServer(guardHosts(options.hosts ?? servedHosts({ host: options.host }), (req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`local cognito: ${error instanceof Error ? error.message : String(error)}\n`);
      if (!res.headersSent) sendError(res, new CognitoError("InternalErrorException", "Internal error", 500));
      else res.destroy();
    });
  }));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && (path === "/.well-known/jwks.json" || path === `/${userPoolId}/.well-known/jwks.json`)) {
      return send(res, 200, key.jwks, "application/json");
    }
    if (req.method !== "POST" || path !== "/") {
      return sendError(res, new CognitoError("UnknownOperationException", "The requested operation is not recognized by the service.", 404));
    }
    const body = await readBody(req);
    if (body === undefined) return sendError(res, new CognitoError("SerializationException", "The request body is too large.", 413));
    const target = req.headers["x-amz-target"];
    const name = typeof target === "string" && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const operation = name && Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
    if (!name || !operation) return sendError(res, new CognitoError("UnknownOperationException", `Unknown operation ${String(target ?? "")}`.trim()));
    const contentType = String(req.headers["content-type"] ?? "").split(";")[0]?.trim();
    if (contentType !== "application/x-amz-json-1.1") {
      return sendError(res, new CognitoError("SerializationException", "Expected Content-Type application/x-amz-json-1.1."));
    }
    // IAM-authorized operations: a valid signature, then the signer's policy; the public ones are authorized by the client id or a token.
    if (SIGNED_OPERATIONS.has(name)) {
      const verified = await verify({ method: req.method, url: req.url ?? "/", rawHeaders: req.rawHeaders, body });
      if (!verified.ok) return sendError(res, new CognitoError(SIGNATURE_FAILURES[verified.kind], verified.message, 400));
      const decision = options.iam.authorize(verified.accessKeyId, { action: `cognito-idp:${name}`, resource: poolArn });
      if (!decision.allowed) return sendError(res, new CognitoError("AccessDeniedException", decision.message, 400));
    }
    let request: unknown;
    try {
      request = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
    } catch {
      return sendError(res, new CognitoError("SerializationException", "Start of structure or map found where not expected."));
    }
    if (typeof request !== "object" || request === null || Array.isArray(request)) {
      return sendError(res, new CognitoError("SerializationException", "Start of list found where not expected."));
    }
    try {
      send(res, 200, await operation(pool, request as Record<string, unknown>));
    } catch (error) {
      if (error instanceof CognitoError) return sendError(res, error);
      throw error;
    }
  }

  const listening = await listenLocal(server, options.port, options.host);
  return {
    endpoint: listening.endpoint,
    jwks: structuredClone(key.jwks),
    userPoolId,
    clientId,
    issuer,
    outbox,
    deliver: (mail) => pool.deliver(mail),
    // The pool's writes in flight finish before the connections are cut.
    close: () => listening.close(() => pool.idle()),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, payload: unknown, contentType = "application/x-amz-json-1.1"): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": randomUUID(),
  });
  res.end(body);
}

function sendError(res: ServerResponse, error: CognitoError): void {
  const body = JSON.stringify({ __type: error.type, message: error.message });
  res.writeHead(error.status, {
    "content-type": "application/x-amz-json-1.1",
    "content-length": Buffer.byteLength(body),
    "x-amzn-requestid": randomUUID(),
    "x-amzn-errortype": error.type,
  });
  res.end(body);
}

// Re-exported for the runtime and tests, so they need one import.
export type { Outbox, OutboxMessage } from "./outbox";
export type { Jwks } from "./signing-key";
