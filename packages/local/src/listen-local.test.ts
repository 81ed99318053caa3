import { createServer, request, Agent } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { listenLocal, type LocalListener } from "./listen-local";

const opened: LocalListener[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((l) => l.close()));
});

const hello = () => createServer((_req, res) => res.end("hello"));

/** One GET on a keep-alive agent: the connection stays open after the answer, as an SDK client's does. */
function get(endpoint: string, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    request(endpoint, { agent }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (c: string) => (text += c)).on("end", () => resolve(text)).on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}

describe("listenLocal", () => {
  it("listens on the loopback at a free port and names it as the endpoint", async () => {
    const listening = await listenLocal(hello());
    opened.push(listening);
    expect(listening.address.address).toBe("127.0.0.1");
    expect(listening.port).toBeGreaterThan(0);
    expect(listening.endpoint).toBe(`http://127.0.0.1:${listening.port}`);
  });

  it("names a wildcard host through the loopback", async () => {
    const listening = await listenLocal(hello(), 0, "0.0.0.0");
    opened.push(listening);
    expect(listening.endpoint).toBe(`http://127.0.0.1:${listening.port}`);
  });

  it("rejects when the port is taken, leaving the first server serving", async () => {
    const first = await listenLocal(hello());
    opened.push(first);
    await expect(listenLocal(hello(), first.port)).rejects.toMatchObject({ code: "EADDRINUSE" });
    const agent = new Agent({ keepAlive: true });
    expect(await get(first.endpoint, agent)).toBe("hello");
    agent.destroy();
  });

  it("closes at once although a client keeps its connection alive, running the drain before the cut", async () => {
    const server = hello();
    const listening = await listenLocal(server);
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    expect(await get(listening.endpoint, agent)).toBe("hello");
    const steps: string[] = [];
    server.on("close", () => steps.push("closed"));
    await listening.close(async () => void steps.push("drained"));
    expect(steps).toEqual(["drained", "closed"]);
    expect(server.listening).toBe(false);
    // A second close is the same close.
    await listening.close();
    agent.destroy();
  });
});
