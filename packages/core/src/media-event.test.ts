import { describe, expect, it } from "vitest";
import { mediaEventOf, parseMediaEvent, type MediaEvent } from "./media-event";

const ready: MediaEvent = {
  type: "media.ready",
  fileId: "f1",
  userId: "u1",
  key: "media/u1/f1",
  contentType: "image/png",
  size: 1200,
  metadata: { width: 10 },
  at: "2026-12-04T11:00:00.000Z",
};

describe("media events, read from JSON", () => {
  it("takes a well-formed event, with its optional reason and renditions", () => {
    expect(parseMediaEvent(JSON.stringify(ready))).toEqual(ready);
    const renditions = { ...ready, type: "media.renditions", reason: "audio too short", renditions: { status: "failed", made: ["preview"] } };
    expect(parseMediaEvent(JSON.stringify(renditions))).toEqual(renditions);
  });

  it("keeps only the event's own fields", () => {
    expect(mediaEventOf({ ...ready, extra: "x" })).toEqual(ready);
  });

  it("refuses what is not JSON, not an object, or has a field of the wrong kind", () => {
    expect(parseMediaEvent("not json")).toBeUndefined();
    expect(parseMediaEvent("[1]")).toBeUndefined();
    expect(parseMediaEvent("null")).toBeUndefined();
    const wrong: Array<Record<string, unknown>> = [
      { type: "media.moved" },
      { fileId: 7 },
      { size: -1 },
      { size: 1.5 },
      { metadata: [] },
      { metadata: undefined },
      { reason: 3 },
      { at: undefined },
      { renditions: { status: "done", made: [] } },
      { renditions: { status: "ready", made: ["thumbnail"] } },
      { renditions: { status: "ready" } },
    ];
    for (const change of wrong) expect(mediaEventOf({ ...ready, ...change }), JSON.stringify(change)).toBeUndefined();
  });
});
