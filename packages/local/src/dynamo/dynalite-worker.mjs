// The local DynamoDB's own thread (see local-dynamo.ts). Plain JavaScript because it runs in a worker
// thread, where neither tsx's nor vitest's TypeScript loader is guaranteed to be installed.
import { parentPort, workerData } from "node:worker_threads";
import dynalite from "dynalite";

const server = dynalite(workerData.options);
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
