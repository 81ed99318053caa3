import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { afterEach, describe, expect, it, vi } from "vitest";

/** tracing.ts decides once, when loaded, from the environment the stacks set: each case loads it afresh. */
async function loadTraced(env: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  vi.resetModules();
  return (await import("./tracing")).traced;
}
afterEach(() => vi.unstubAllEnvs());

const middlewareNames = (client: S3Client) => client.middlewareStack.identify().join("\n");

describe("traced", () => {
  it("changes nothing in what a traced client presigns (browsers send no trace header)", async () => {
    // Outside Lambda there is no segment to attach the presign's subsegment to; X-Ray would log that
    // (it reads the variable once, when first loaded: hence this case first).
    const traced = await loadTraced({ POWERTOOLS_TRACE_ENABLED: "true", AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x", AWS_XRAY_CONTEXT_MISSING: "IGNORE_ERROR" });
    const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
    const url = await getSignedUrl(traced(new S3Client({ region: "us-east-1", credentials })), new GetObjectCommand({ Bucket: "b", Key: "users/u/f" }), { expiresIn: 60 });
    const params = new URL(url).searchParams;
    expect(params.get("X-Amz-SignedHeaders")).toBe("host");
    expect(params.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("instruments an SDK client with X-Ray when the stage turned tracing on (on Lambda)", async () => {
    const traced = await loadTraced({ POWERTOOLS_TRACE_ENABLED: "true", AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x" });
    const client = new S3Client({ region: "us-east-1" });
    expect(middlewareNames(client)).not.toMatch(/xray/i);
    expect(traced(client)).toBe(client);
    expect(middlewareNames(client)).toMatch(/xray/i);
  });

  it("leaves the client as it was when tracing is off", async () => {
    const traced = await loadTraced({ POWERTOOLS_TRACE_ENABLED: "false", AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x" });
    const client = new S3Client({ region: "us-east-1" });
    const before = middlewareNames(client);
    expect(traced(client)).toBe(client);
    expect(middlewareNames(client)).toBe(before);
  });
});
