import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiResponseCheck } from "@media/testing/openapi-responses";
import { ERROR_CODES } from "../error-codes";
import { ROUTES } from "../routes";
import { openApiDocument } from "./openapi";

describe("the OpenAPI document", () => {
  const document = openApiDocument({ serverUrl: "https://api.example.com" });

  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(document as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it("has an operation for every route of the route table, guarded exactly where the authorizer is", () => {
    for (const route of ROUTES) {
      const operation = (document.paths?.[route.path] as Record<string, { security?: unknown; operationId?: string }>)[route.method.toLowerCase()];
      expect(operation?.operationId, `${route.method} ${route.path}`).toBeTruthy();
      expect(operation?.security !== undefined, `${route.method} ${route.path}`).toBe(route.auth);
    }
  });

  it("takes its request schemas from the handlers' own (a limit changes the document)", () => {
    const upload = document.paths?.["/upload"]?.post?.requestBody as { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[] } }> };
    const schema = upload.content["application/json"]!.schema;
    expect(schema.required).toEqual(["fileName", "contentType", "size"]);
    const list = document.paths?.["/retrieve"]?.get?.parameters as Array<{ name: string; schema: { maximum?: number } }>;
    expect(list.find((p) => p.name === "limit")?.schema.maximum).toBe(100);
  });

  it("describes the account routes' bodies (zod 4 mini) as JSON Schema, as it did from zod 3", () => {
    const body = (path: string) =>
      (document.paths?.[path]?.post?.requestBody as { content: Record<string, { schema: Record<string, unknown> }> }).content["application/json"]!.schema;
    const signUp = body("/signup") as { $schema?: string; required: string[]; properties: Record<string, Record<string, unknown>> };
    expect(signUp.$schema).toBeUndefined();
    expect(signUp.required).toEqual(["email", "password"]);
    expect(signUp.properties.email).toMatchObject({ type: "string", maxLength: 254, format: "email" });
    expect(signUp.properties.username).toMatchObject({ type: "string", minLength: 1, maxLength: 128 });
    // The TOTP code is described as what it accepts: spaces are taken out before its 6-digit check.
    expect(body("/login/mfa")).toMatchObject({ required: ["session", "code"], properties: { code: { type: "string" } } });
  });

  it("enumerates the closed list of error codes", () => {
    const error = document.components?.schemas?.Error as { properties: { error: { properties: { code: { enum: string[] } } } } };
    expect(error.properties.error.properties.code.enum).toEqual(Object.keys(ERROR_CODES));
  });

  it("is what the response check holds answers to, and the check refuses what the document does not say", () => {
    const check = openApiResponseCheck();
    const file = { fileId: "01J", fileName: "a.png", contentType: "image/png", size: 3, status: "ready", uploadedAt: "2026-12-04T10:00:00.000Z", metadata: {} };
    expect(() => check("GET", "http://x/files/01J", 200, file)).not.toThrow();
    expect(() => check("GET", "http://x/files/01J", 200, { ...file, status: "lost" })).toThrow(/does not match/);
    expect(() => check("GET", "http://x/files/01J", 418, {})).toThrow(/does not list/);
    expect(() => check("POST", "http://x/upload", 413, { error: { code: "FileTooLarge", message: "big" } })).not.toThrow();
    expect(() => check("POST", "http://x/upload", 413, { error: { code: "MadeUp", message: "big" } })).toThrow(/does not match/);
    expect(() => check("GET", "http://x/me", 401, { message: "Unauthorized" })).not.toThrow();
    expect(() => check("GET", "http://x/_local/outbox", 200, "anything")).not.toThrow();
  });
});
