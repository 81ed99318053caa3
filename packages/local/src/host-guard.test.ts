import { request } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalCognito } from "./cognito/cognito-server";
import { startLocalDynamo } from "./dynamo/local-dynamo";
import { startGateway } from "./gateway/gateway-server";
import { servedHosts, servedHostValues } from "./host-guard";
import { startLocalSns } from "./sns/sns-server";
import { LocalTopic } from "./sns/topic";
import { startLocalS3 } from "./storage/s3-server";
import { testIam } from "@media/testing/local-cognito-pool";

describe("the host names a local endpoint serves", () => {
  it("are loopback, HOST and WEB_ORIGIN's, each with the port listened on", () => {
    const values = servedHostValues(servedHosts({ host: "127.0.0.1", webOrigin: "https://Media.Example.com" }), 3000);
    for (const ok of ["127.0.0.1:3000", "localhost:3000", "[::1]:3000", "media.example.com:3000", "media.example.com"]) expect(values.has(ok), ok).toBe(true);
    // Another name resolving to us (rebinding), another port, a bare name on a port that is not 80, lookalikes.
    for (const bad of ["evil.example:3000", "localhost:3001", "localhost", "127.0.0.1", "localhost.:3000", "127.0.0.1.nip.io:3000", "", "media.example.com:443"]) {
      expect(values.has(bad), bad).toBe(false);
    }
    expect(servedHostValues(servedHosts({}), 80).has("localhost")).toBe(true);
  });

  it("writes IPv6 literals in brackets and serves every own address when listening on all of them", () => {
    expect(servedHosts({ host: "::1" }).names).toContain("[::1]");
    const wildcard = servedHosts({ host: "0.0.0.0" });
    expect(wildcard.names).toContain("0.0.0.0");
    const own = Object.values(networkInterfaces()).flatMap((a) => a ?? []).map((a) => (a.family === "IPv6" ? `[${a.address}]` : a.address));
    for (const address of own) expect(wildcard.names).toContain(address.toLowerCase());
    expect(servedHosts({ host: "127.0.0.1" }).names).not.toContain(own.find((a) => !a.startsWith("127.") && a !== "[::1]") ?? "none");
  });
});

/** One request with the given Host header (fetch cannot set it), without reusing connections. */
function send(endpoint: string, host: string, init: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {}) {
  const url = new URL(init.path ?? "/", endpoint);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", agent: false, headers: { ...init.headers, host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

const hosts = servedHosts({ host: "127.0.0.1", webOrigin: "http://media.test:8080" });
const REBOUND = "rebind.attacker.example";
let dir: string;
const stops: Array<() => Promise<void>> = [];
const endpoints: Record<string, { endpoint: string; method: string; path?: string; headers?: Record<string, string>; body?: string }> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "host-guard-"));
  const gateway = await startGateway({
    routes: [],
    loadHandler: () => Promise.reject(new Error("no routes")),
    authorizer: () => Promise.reject(new Error("no authorizer")),
    authorizerCacheSeconds: 0,
    identity: { accountId: "000000000000", apiId: "test", region: "us-east-1" },
    corsOrigins: [],
    // Stands for the outbox: what a rebinding page wanted to read.
    before: async (_req, res) => {
      res.end("secret");
      return true;
    },
    port: 0,
    hosts,
  });
  stops.push(gateway.close);
  endpoints.gateway = { endpoint: gateway.url, method: "GET", path: "/_local/outbox" };

  const s3 = await startLocalS3({ dataDir: join(dir, "s3"), region: "us-east-1", credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "secret" }, buckets: [{ name: "media" }], hosts, log: { info: () => undefined, warn: () => undefined, error: () => undefined } });
  stops.push(s3.close);
  endpoints.storage = { endpoint: s3.endpoint, method: "GET", path: "/media" };

  const cognito = await startLocalCognito({ iam: testIam(), dataDir: join(dir, "cognito"), region: "us-east-1", hosts });
  stops.push(cognito.close);
  endpoints.cognito = { endpoint: cognito.endpoint, method: "POST", headers: { "x-amz-target": "AWSCognitoIdentityProviderService.ListUsers", "content-type": "application/x-amz-json-1.1" }, body: "{}" };

  const sns = await startLocalSns({ topics: [new LocalTopic("arn:aws:sns:us-east-1:000000000000:t")], iam: testIam(), hosts });
  stops.push(sns.close);
  endpoints.sns = { endpoint: sns.endpoint, method: "POST", body: "Action=Publish" };

  const dynamo = await startLocalDynamo({ dir: join(dir, "dynamo"), tableName: "host-guard", region: "us-east-1", hosts });
  stops.push(dynamo.close);
  endpoints.dynamodb = { endpoint: dynamo.endpoint, method: "POST", headers: { "x-amz-target": "DynamoDB_20120810.ListTables", "content-type": "application/x-amz-json-1.0" }, body: "{}" };
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await rm(dir, { recursive: true, force: true });
});

describe.each(["gateway", "storage", "cognito", "sns", "dynamodb"])("the local %s endpoint", (name) => {
  it("answers its own host names and refuses any other, without echoing it", async () => {
    const { endpoint, ...init } = endpoints[name]!;
    const port = new URL(endpoint).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`, `media.test:${port}`, "media.test:8080"]) {
      expect((await send(endpoint, host, init)).status, host).not.toBe(421);
    }
    for (const host of [`${REBOUND}:${port}`, REBOUND, `localhost:${Number(port) + 1}`, `localhost.${REBOUND}:${port}`, "media.test:8081"]) {
      const answer = await send(endpoint, host, init);
      expect(answer.status, host).toBe(421);
      expect(answer.body).not.toContain(REBOUND);
      expect(answer.body).not.toContain("secret");
    }
  });
});
