import { createHmac } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { signingKeyCache } from "./signing-keys";

describe("SigV4 signing keys derived once per secret, date, region and service", () => {
  it("derives AWS's documented example key", () => {
    // The example of AWS's "Examples of how to derive a signing key for Signature Version 4".
    const key = signingKeyCache()("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
    expect(key.toString("hex")).toBe("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
  });

  it("signs as the SDK's own signer does, and keeps the key apart for each of the four", async () => {
    const keys = signingKeyCache();
    const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret-one" };
    const signingDate = new Date("2026-12-04T10:00:00Z");
    const sdk = new SignatureV4({ credentials, region: "us-east-1", service: "dynamodb", sha256: Hash.bind(null, "sha256") });
    const stringToSign = "AWS4-HMAC-SHA256\n20261204T100000Z\n20261204/us-east-1/dynamodb/aws4_request\n" + "0".repeat(64);
    const mine = (secret: string, date: string, region: string, service: string) => createHmac("sha256", keys(secret, date, region, service)).update(stringToSign).digest("hex");
    expect(mine("secret-one", "20261204", "us-east-1", "dynamodb")).toBe(await sdk.sign(stringToSign, { signingDate }));
    const variants = [mine("secret-two", "20261204", "us-east-1", "dynamodb"), mine("secret-one", "20261205", "us-east-1", "dynamodb"), mine("secret-one", "20261204", "eu-west-1", "dynamodb"), mine("secret-one", "20261204", "us-east-1", "sns")];
    expect(new Set([mine("secret-one", "20261204", "us-east-1", "dynamodb"), ...variants]).size).toBe(5);
  });
});
