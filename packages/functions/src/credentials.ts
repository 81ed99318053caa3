/**
 * The credentials the functions' AWS clients sign with. On Lambda nothing is registered and the SDK's
 * default chain reads the function role's credentials from the environment. The local runtime runs every
 * function in one process, so it registers a source that answers with the credentials of the function
 * whose invocation is under way (packages/local/src/iam/invocations.ts): each function is then its own
 * IAM principal locally too, and a call its role does not grant is refused.
 */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

let source: (() => Credentials) | undefined;

/** Registered before the first client is built (the composition root builds them at the first call). */
export function useCredentialSource(next: (() => Credentials) | undefined): void {
  source = next;
}

/** The `credentials` option for a client: nothing on AWS (the default chain), the registered source locally. */
export function clientCredentials(): { credentials?: () => Promise<Credentials> } {
  if (!source) return {};
  const provide = async (): Promise<Credentials> => {
    // Read at each call: a runtime started again in the same process registers its own source.
    if (!source) throw new Error("the credential source was withdrawn while clients built with it are still in use");
    return source();
  };
  // `memoized` is the SDK's own mark for a provider that it must call as it is, on every request and
  // every presign; unmarked, the SDK caches the first answer and coalesces concurrent calls, so every
  // function would sign with whichever one's credentials were asked for first.
  return { credentials: Object.assign(provide, { memoized: true }) };
}
