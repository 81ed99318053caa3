import { AsyncLocalStorage } from "node:async_hooks";
import type { AccessKey, LocalIam } from "./local-iam";

/**
 * Which function an AWS call is made for. Lambda gives each function its own sandbox and its role's
 * credentials; the local runtime runs them all in one process, concurrently, so the function under way
 * is carried by an AsyncLocalStorage scope opened around each invocation, and the functions' clients ask
 * `credentialSource` for its key on every request (packages/functions/src/credentials.ts).
 */
const running = new AsyncLocalStorage<string>();

/** Runs `work` as an invocation of `functionName`: every AWS call made inside signs with that function's key. */
export function invokeAs<T>(functionName: string, work: () => T): T {
  return running.run(functionName, work);
}

/** The function whose invocation is under way, if any. */
export function currentFunction(): string | undefined {
  return running.getStore();
}

/**
 * The credentials of the function under way. Outside any invocation: `outside` when given (tests' own
 * set-up calls through the functions' adapters), otherwise an error, since on AWS no code runs outside
 * an invocation with a role's credentials and locally it must not borrow an admin's.
 */
export function credentialSource(iam: LocalIam, outside?: AccessKey): () => AccessKey {
  return () => {
    const name = running.getStore();
    if (name !== undefined) return iam.credentialsFor(name);
    if (outside) return outside;
    throw new Error("an AWS call outside any function's invocation: the local runtime cannot tell whose credentials to sign it with");
  };
}
