import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { LocalIam } from "../iam/local-iam";
import { serviceVerifier, type SigV4FailureKind } from "../iam/sigv4-service";
import type { LocalTopic, SnsNotification } from "./topic";
import { guardHosts, servedHosts, type ServedHosts } from "../host-guard";
import { listenLocal } from "../listen-local";

/** SNS's answers (query protocol) to a request that fails SigV4, by what failed. */
const FAILURES: Record<SigV4FailureKind, { status: number; code: string }> = {
  missing: { status: 403, code: "MissingAuthenticationToken" },
  incomplete: { status: 400, code: "IncompleteSignature" },
  "unknown-key": { status: 403, code: "InvalidClientTokenId" },
  mismatch: { status: 403, code: "SignatureDoesNotMatch" },
};

/**
 * The SNS API's Publish action over the AWS query protocol, the one the SDK's SNS client speaks, so
 * the functions' SNS adapter runs unchanged. Only the topics given exist. Every request is checked as SNS
 * checks it: its SigV4 signature against the local IAM's keys, then sns:Publish on the topic against the
 * signer's policy (403 AuthorizationError otherwise, with AWS's wording).
 */
/** `hosts`: the host names it answers for (host-guard.ts); by default loopback. */
export async function startLocalSns({ topics, iam, port = 0, hosts = servedHosts({}) }: { topics: LocalTopic[]; iam: LocalIam; port?: number; hosts?: ServedHosts }): Promise<{ endpoint: string; close(): Promise<void> }> {
  const byArn = new Map(topics.map((t) => [t.arn, t]));
  const verify = serviceVerifier({ service: "sns", region: iam.region, secretOf: (id) => iam.secretOf(id) });
  const server: Server = createServer(guardHosts(hosts, (req, res) => {
    void handle(req).then(
      ({ status, xml }) => {
        res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": randomUUID() });
        res.end(xml);
      },
      () => {
        res.writeHead(500, { "content-type": "text/xml" });
        res.end(errorXml("InternalError", "Internal error"));
      },
    );
  }));

  async function handle(req: IncomingMessage): Promise<{ status: number; xml: string }> {
    if (req.method !== "POST") return { status: 400, xml: errorXml("InvalidAction", "Only POST is supported.") };
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      // SNS messages are at most 256 KiB; the form encoding makes the body somewhat larger.
      if (size > 1024 * 1024) return { status: 400, xml: errorXml("InvalidParameter", "Message too long") };
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    const verified = await verify({ method: req.method, url: req.url ?? "/", rawHeaders: req.rawHeaders, body });
    if (!verified.ok) {
      const failure = FAILURES[verified.kind];
      return { status: failure.status, xml: errorXml(failure.code, verified.message) };
    }
    const form = new URLSearchParams(body.toString("utf8"));
    if (form.get("Action") !== "Publish") return { status: 400, xml: errorXml("InvalidAction", `Unsupported action ${form.get("Action")}`) };
    const topicArn = form.get("TopicArn") ?? "";
    const decision = iam.authorize(verified.accessKeyId, { action: "sns:Publish", resource: topicArn });
    if (!decision.allowed) return { status: 403, xml: errorXml("AuthorizationError", decision.message) };
    const topic = byArn.get(topicArn);
    if (!topic) return { status: 404, xml: errorXml("NotFound", "Topic does not exist") };
    const message = form.get("Message");
    if (!message) return { status: 400, xml: errorXml("InvalidParameter", "Invalid parameter: Message") };
    if (Buffer.byteLength(message) > 256 * 1024) return { status: 400, xml: errorXml("InvalidParameter", "Invalid parameter: Message too long") };
    const attributes: SnsNotification["MessageAttributes"] = {};
    for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
      const name = form.get(`MessageAttributes.entry.${i}.Name`)!;
      attributes[name] = {
        Type: form.get(`MessageAttributes.entry.${i}.Value.DataType`) ?? "String",
        Value: form.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? "",
      };
    }
    const messageId = topic.publish(message, attributes, form.get("Subject") ?? undefined);
    return {
      status: 200,
      xml: `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
    };
  }

  const listening = await listenLocal(server, port);
  return { endpoint: listening.endpoint, close: () => listening.close() };
}

function errorXml(code: string, message: string): string {
  const esc = message.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}
