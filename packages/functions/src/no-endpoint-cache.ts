/**
 * What `@aws-sdk/endpoint-cache` becomes in the Lambda bundles (stacks/sdk-substitutes.ts). The DynamoDB
 * client builds an endpoint cache when it is constructed, for endpoint discovery; none of its commands in
 * this SDK adds the discovery middleware that would read it, and discovery is off unless configured. The
 * real cache brings mnemonist's LRU, about 8 KB of every bundle that holds the DynamoDB client. This one
 * holds nothing: a use would mean the SDK started to discover endpoints, and it fails loudly rather than
 * discovering none. The bundle tests run the DynamoDB client with it (stacks/sdk-substitutes.test.ts).
 */
export class EndpointCache {
  constructor(readonly capacity = 1000) {}
  getEndpoint = unused;
  get = unused;
  set = unused;
  delete = unused;
  has = unused;
  clear = unused;
}

function unused(): never {
  throw new Error("Endpoint discovery is not available in these functions' bundles (packages/functions/src/no-endpoint-cache.ts)");
}
