import { describe, expect, it } from "vitest";
import { corsResponseHeaders, preflight, wildcardMatch, type CorsRule } from "./cors";
import { S3Error } from "./s3-errors";

const rules: CorsRule[] = [
  { AllowedOrigins: ["https://app.example.com"], AllowedMethods: ["GET", "POST"], AllowedHeaders: ["content-type", "x-amz-*"], ExposeHeaders: ["ETag"], MaxAgeSeconds: 600 },
  { AllowedOrigins: ["*"], AllowedMethods: ["GET"] },
];

function code(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof S3Error) return `${error.status} ${error.code}`;
    throw error;
  }
  return "allowed";
}

describe("CORS rules", () => {
  it("matches one wildcard anywhere in a pattern", () => {
    expect(wildcardMatch("http://*.example.com", "http://a.b.example.com")).toBe(true);
    expect(wildcardMatch("http://*.example.com", "https://a.example.com")).toBe(false);
    expect(wildcardMatch("*", "anything")).toBe(true);
    expect(wildcardMatch("X-Amz-*", "x-amz-date", true)).toBe(true);
    expect(wildcardMatch("https://a.example.com", "https://A.example.com")).toBe(false);
  });

  it("answers an allowed preflight from the first matching rule", () => {
    expect(preflight(rules, { origin: "https://app.example.com", method: "POST", headers: "Content-Type, X-Amz-Date" })).toEqual({
      "Access-Control-Allow-Origin": "https://app.example.com",
      "Access-Control-Allow-Methods": "GET, POST",
      "Access-Control-Allow-Credentials": "true",
      "Access-Control-Allow-Headers": "content-type, x-amz-date",
      "Access-Control-Expose-Headers": "ETag",
      "Access-Control-Max-Age": "600",
      Vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    });
    expect(preflight(rules, { origin: "https://elsewhere.test", method: "GET", headers: undefined })["Access-Control-Allow-Origin"]).toBe("*");
  });

  it("refuses what no rule allows: origin, method or a requested header", () => {
    expect(code(() => preflight(rules, { origin: "https://elsewhere.test", method: "POST", headers: undefined }))).toBe("403 AccessForbidden");
    expect(code(() => preflight(rules, { origin: "https://app.example.com", method: "POST", headers: "authorization" }))).toBe("403 AccessForbidden");
    expect(code(() => preflight([], { origin: "https://app.example.com", method: "GET", headers: undefined }))).toBe("403 AccessForbidden");
    expect(code(() => preflight(rules, { origin: undefined, method: "GET", headers: undefined }))).toBe("400 BadRequest");
  });

  it("adds headers to actual responses only when a rule matches origin and method", () => {
    expect(corsResponseHeaders(rules, { origin: "https://app.example.com", method: "POST" })).toMatchObject({
      "Access-Control-Allow-Origin": "https://app.example.com",
      "Access-Control-Expose-Headers": "ETag",
    });
    expect(corsResponseHeaders(rules, { origin: "https://elsewhere.test", method: "POST" })).toEqual({
      Vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    });
    expect(corsResponseHeaders([], { origin: "https://app.example.com", method: "GET" })).toEqual({});
  });
});
