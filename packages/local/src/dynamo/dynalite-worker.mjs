// The local DynamoDB's own thread (see local-dynamo.ts). This entry is plain JavaScript because it runs in a
// worker thread, where neither tsx's nor vitest's TypeScript loader is guaranteed to be installed; it
// installs tsx's loader itself, then loads the TypeScript of the transactional dynalite.
import { parentPort, workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { createLocalDynalite } = await import("./transactional-dynalite.ts");

const server = createLocalDynalite(workerData.options);
// host-guard.ts, applied here: local-dynamo.ts sends the Host values this endpoint answers and the
// refusal for any other once the port is known. Until then nothing is answered.
let guard;
const [table] = server.listeners("request");
server.removeAllListeners("request");
// With the runtime's IAM: SigV4 and each call's IAM actions checked here, before dynalite (dynamo-front.ts).
// The thread builds its own copy of the runtime's IAM from the same plain options.
let answer = table;
if (workerData.iam) {
  const [{ guardTable }, { LocalIam }] = await Promise.all([import("./dynamo-front.ts"), import("../iam/local-iam.ts")]);
  const { options, region, accountId } = workerData.iam;
  answer = guardTable({ iam: new LocalIam(options), region, accountId }, table);
}
server.on("request", (req, res) => {
  if (!guard) return res.destroy();
  if (guard.served.has(String(req.headers.host).toLowerCase())) return answer(req, res);
  res.writeHead(guard.refusal.status, guard.refusal.headers);
  res.end(guard.refusal.body);
});
server.once("error", (error) => parentPort.postMessage({ error: String(error?.stack ?? error) }));
server.listen(workerData.port, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (message) => {
  if (message?.guard) {
    guard = { served: new Set(message.guard.served), refusal: message.guard.refusal };
    parentPort.postMessage({ guarded: true });
    return;
  }
  if (message !== "close") return;
  // dynalite's close also closes its LevelDB; then the thread has nothing left to do and ends.
  server.close(() => {
    parentPort.postMessage({ closed: true });
    parentPort.close();
  });
  server.closeAllConnections?.();
});
