// The local DynamoDB's own thread (see local-dynamo.ts). This entry is plain JavaScript because it runs in a
// worker thread, where neither tsx's nor vitest's TypeScript loader is guaranteed to be installed; it
// installs tsx's loader itself, then loads the TypeScript of the transactional dynalite.
import { parentPort, workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { createLocalDynalite } = await import("./transactional-dynalite.ts");

const server = createLocalDynalite(workerData.options);
server.once("error", (error) => parentPort.postMessage({ error: String(error?.stack ?? error) }));
server.listen(workerData.port, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (message) => {
  if (message !== "close") return;
  // dynalite's close also closes its LevelDB; then the thread has nothing left to do and ends.
  server.close(() => {
    parentPort.postMessage({ closed: true });
    parentPort.close();
  });
  server.closeAllConnections?.();
});
