import { fromEnv } from "@aws-sdk/credential-provider-env";

/**
 * What the SDK clients' `@aws-sdk/credential-provider-node` becomes in the Lambda bundles
 * (stacks/sdk-substitutes.ts): the default chain cut to its first link, the environment.
 *
 * Lambda hands every invocation its execution role's credentials in AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and `sst dev` runs a function with the environment of its
 * deployed stub, those variables included (sst/support/bridge/live-lambda.mjs forwards them). The rest of
 * the chain (SSO, INI files, credential processes, web identity, the container and instance metadata
 * endpoints) serves machines that have none of those, and costs the bundles more than its own lazy
 * chunks: its STS, SSO and sign-in clients use the query and XML protocols, and esbuild's code splitting
 * puts what they share with the function's own client into chunks every cold start loads (about 37 KB,
 * measured on an auth route). A fallback to the real chain behind `import()` brings those chunks back,
 * so there is none: without environment credentials a client fails with the SDK's own
 * CredentialsProviderError ("Unable to find environment variable credentials."), never with other ones.
 *
 * The SDK treats the default provider's answer as memoized; fromEnv reads four variables per request,
 * nothing worth a cache. Only the bundles use this module: the tests and the local runtime run the source
 * with the real package (and the local runtime signs with the invoked function's own key, credentials.ts).
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
