import { functionEnvironment } from "@media/core/function-env";

/**
 * The least a function's configuration needs (packages/functions/src/config.ts), with made-up resource
 * names in `region`: for tests that parse a configuration without a runtime behind it.
 */
export function minimalFunctionEnv(region = "eu-central-1"): Record<string, string> {
  return {
    AWS_REGION: region,
    ...functionEnvironment({
      tableName: "media",
      bucketName: "media-bucket",
      topicArn: `arn:aws:sns:${region}:123456789012:media-events`,
      userPoolId: `${region}_AbC123xYz`,
      userPoolClientId: "client",
      cursorSecret: "a-secret-of-sixteen-chars",
    }),
  };
}
