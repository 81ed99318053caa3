import { describe, expect, it } from "vitest";
import { METRICS_NAMESPACE, observabilityEnvironment, observabilityFor, SERVICE_NAME } from "./lambda";

describe("observability per stage", () => {
  it("traces prod and no other stage by default", () => {
    expect(observabilityFor("prod", {})).toEqual({ tracing: true });
    expect(observabilityFor("dev", {})).toEqual({ tracing: false });
    expect(observabilityFor("test", { TRACING: "" })).toEqual({ tracing: false });
  });

  it("lets the deploying shell turn tracing on or off, and refuses anything else", () => {
    expect(observabilityFor("dev", { TRACING: "on" })).toEqual({ tracing: true });
    expect(observabilityFor("dev", { TRACING: "TRUE" })).toEqual({ tracing: true });
    expect(observabilityFor("prod", { TRACING: "off" })).toEqual({ tracing: false });
    expect(observabilityFor("prod", { TRACING: "0" })).toEqual({ tracing: false });
    expect(() => observabilityFor("dev", { TRACING: "yes please" })).toThrow(/TRACING must be on or off, got "yes please"/);
  });

  it("hands Powertools the service, namespace, stage and tracing switch, and never captures responses", () => {
    expect(observabilityEnvironment("dev", { tracing: false })).toEqual({
      STAGE: "dev",
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_TRACE_ENABLED: "false",
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: "false",
    });
    expect(observabilityEnvironment("prod", { tracing: true }).POWERTOOLS_TRACE_ENABLED).toBe("true");
  });
});
