/**
 * A transactional dynalite in a process of its own, for tests that SIGKILL it while it applies a
 * transaction. argv: the LevelDB directory, and where to stop:
 * - a step (`locked`, `evaluated`, `written`): at that step it reports `{ at }` over IPC and never goes on,
 *   so the kill lands exactly there;
 * - `writing`: it reports `{ at: "writing" }` as the batch write starts and goes on, so the kill races it;
 *   should the write win, it holds at `written` without a word, so the answer never beats the kill
 *   (on a busy machine it did, and the client got its answer before the kill landed).
 * It reports `{ port }` once it listens.
 */
import type { AddressInfo } from "node:net";
import { createLocalDynalite } from "./transactional-dynalite";
import type { ApplyStep } from "./transact-write";

const [path, stopAt] = process.argv.slice(2);
if (!path || !stopAt || !process.send) throw new Error("usage (with an IPC channel): transact-crash-child <dir> <locked|evaluated|writing|written>");
const report = (message: object) => process.send!(message);

const server = createLocalDynalite({
  path,
  onApplyStep: (step: ApplyStep) => {
    if (stopAt === "writing" && step === "evaluated") report({ at: "writing" });
    if (stopAt === "writing" && step === "written") return new Promise<void>(() => {});
    if (step !== stopAt) return;
    report({ at: step });
    return new Promise<void>(() => {});
  },
});
server.listen(0, "127.0.0.1", () => report({ port: (server.address() as AddressInfo).port }));
