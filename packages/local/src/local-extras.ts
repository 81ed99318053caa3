import type { IncomingMessage, ServerResponse } from "node:http";
import { ListTablesCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { APIGatewayRequestAuthorizerEventV2, Context } from "aws-lambda";
import { parseMediaEvent } from "@media/core/media-event";
import type { LocalTopic } from "./sns/topic";
import { lambdaContext } from "./gateway/lambda-context";
import { webAssets } from "./web-assets";

/**
 * Routes that exist only on the local runtime, under `/_local/`: the email outbox, the live event
 * stream the web app listens to, the metrics for a Prometheus scraper, and a health check that looks at
 * every part.
 */
interface Outbox {
  messages(to?: string): Array<{ to: string; subject: string; code?: string; text?: string; at: string }>;
}

export interface ExtrasOptions {
  outbox: Outbox;
  topic: LocalTopic;
  authorize: (e: APIGatewayRequestAuthorizerEventV2, c: Context) => Promise<{ isAuthorized: boolean; context?: Record<string, unknown> }>;
  dynamo: DynamoDBClient;
  table: string;
  s3Endpoint: string;
  /** The storage's liveness probe (a signed HeadBucket: a real request, which logs no refusal). */
  storageAlive: (timeoutMs: number) => Promise<void>;
  cognitoEndpoint: string;
  /** What `GET /_local/metrics` serves: the handlers' metrics in Prometheus text format. */
  metrics: { contentType: string; render(): Promise<string> };
}

export function localExtras(options: ExtrasOptions) {
  async function health(res: ServerResponse): Promise<boolean> {
    const parts: Record<string, "up" | "down"> = {};
    const check = async (name: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
        parts[name] = "up";
      } catch {
        parts[name] = "down";
      }
    };
    await Promise.all([
      check("database", async () => {
        const out = await options.dynamo.send(new ListTablesCommand({}));
        if (!out.TableNames?.includes(options.table)) throw new Error("table missing");
      }),
      check("storage", () => options.storageAlive(2000)),
      check("accounts", () => fetch(options.cognitoEndpoint, { method: "POST", signal: AbortSignal.timeout(2000) })),
    ]);
    if (Object.values(parts).every((p) => p === "up")) return false; // let the real /health handler answer
    json(res, 503, { status: "degraded", parts });
    return true;
  }

  function outbox(res: ServerResponse, url: URL): boolean {
    const to = url.searchParams.get("to")?.trim().toLowerCase() || undefined;
    json(res, 200, { messages: options.outbox.messages(to) });
    return true;
  }

  /** Server-sent events of the caller's own media events. EventSource cannot send headers, so the token comes as a parameter. */
  async function events(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const token = url.searchParams.get("access_token");
    if (!token) {
      json(res, 401, { message: "Unauthorized" });
      return true;
    }
    const decision = await options.authorize(
      { type: "REQUEST", version: "2.0", identitySource: [`Bearer ${token}`], headers: { authorization: `Bearer ${token}` } } as unknown as APIGatewayRequestAuthorizerEventV2,
      lambdaContext("authorizer", "events"),
    );
    const userId = decision.context?.userId;
    if (!decision.isAuthorized || typeof userId !== "string") {
      json(res, 403, { message: "Forbidden" });
      return true;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    res.write(": connected\n\n");
    const unsubscribe = options.topic.subscribe((n) => {
      // The topic carries media events only; anything the schema refuses is not the user's to see.
      const event = parseMediaEvent(n.Message);
      if (event?.userId === userId) res.write(`event: ${event.type}\ndata: ${n.Message}\n\n`);
    });
    const ping = setInterval(() => res.write(": ping\n\n"), 25_000);
    req.on("close", () => {
      clearInterval(ping);
      unsubscribe();
    });
    return true;
  }

  async function metrics(res: ServerResponse): Promise<boolean> {
    const text = await options.metrics.render();
    res.writeHead(200, { "content-type": options.metrics.contentType, "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
    res.end(text);
    return true;
  }

  return {
    before: async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
      if (req.method === "GET" && url.pathname === "/health") return health(res);
      if (req.method === "GET" && url.pathname === "/_local/outbox") return outbox(res, url);
      if (req.method === "GET" && url.pathname === "/_local/events") return events(req, res, url);
      if (req.method === "GET" && url.pathname === "/_local/metrics") return metrics(res);
      return false;
    },
    // The web app (packages/web/dist) for any path no API route matched, index.html for navigations.
    after: webAssets({ connectOrigins: [options.s3Endpoint] }),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
