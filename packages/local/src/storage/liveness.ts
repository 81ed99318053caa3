import { request } from "node:http";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { S3Credentials } from "./sigv4";

/**
 * A liveness probe for the local S3 (the runtime's `/health`): a SigV4-signed HeadBucket on each bucket,
 * through the server's own HTTP listener. It proves what a client needs (the port answers, signatures
 * verify, the bucket is served) with a request S3 accepts, so the server logs no refusal for it, unlike
 * an anonymous GET of the service root (ListBuckets, 501 here).
 */
export function storageLiveness(options: { endpoint: string; region: string; credentials: S3Credentials; buckets: readonly string[] }): (timeoutMs?: number) => Promise<void> {
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: "s3",
    sha256: Hash.bind(null, "sha256"),
    uriEscapePath: false,
    applyChecksum: false,
  });
  const endpoint = new URL(options.endpoint);
  return async (timeoutMs = 2000) => {
    await Promise.all(
      options.buckets.map(async (bucket) => {
        const signed = await signer.sign(
          new HttpRequest({
            method: "HEAD",
            protocol: endpoint.protocol,
            hostname: endpoint.hostname,
            port: Number(endpoint.port),
            path: `/${encodeURIComponent(bucket)}`,
            headers: { host: endpoint.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
          }),
        );
        const status = await new Promise<number>((resolve, reject) => {
          const req = request({ method: "HEAD", host: endpoint.hostname, port: endpoint.port, path: signed.path, headers: signed.headers, agent: false, timeout: timeoutMs }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.once("timeout", () => req.destroy(new Error(`storage did not answer within ${timeoutMs} ms`)));
          req.once("error", reject);
          req.end();
        });
        if (status !== 200) throw new Error(`storage answered HeadBucket ${bucket} with ${status}`);
      }),
    );
  };
}
