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
  getEndpoint(): never {
    throw unused();
  }
  get(): never {
    throw unused();
  }
  set(): never {
    throw unused();
  }
  delete(): never {
    throw unused();
  }
  has(): never {
    throw unused();
  }
  clear(): never {
    throw unused();
  }
}

function unused(): Error {
  return new Error("Endpoint discovery is not available in these functions' bundles (packages/functions/src/no-endpoint-cache.ts)");
}
