import { describe, expect, it } from "vitest";
import { escapeXml, parseDeleteRequest } from "./s3-xml";

describe("S3 XML", () => {
  it("reads the DeleteObjects body the SDK sends, entities decoded", () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>x</Key></Object><Object><Key>y&amp;z &#233;</Key></Object></Delete>';
    expect(parseDeleteRequest(xml)).toEqual({ quiet: false, keys: ["x", "y&z é"] });
  });

  it("reads Quiet, VersionId and CDATA", () => {
    expect(parseDeleteRequest("<Delete><Quiet>true</Quiet><Object><Key><![CDATA[a<b]]></Key><VersionId>null</VersionId></Object></Delete>")).toEqual({
      quiet: true,
      keys: ["a<b"],
    });
  });

  it.each(["", "<Delete><Object><Key>a</Key></Object>", "<Remove><Object><Key>a</Key></Object></Remove>", "<Delete><Object><Key>a<b</Key></Object></Delete>", "<Delete><Object><Key>a &bogus; b</Key></Object></Delete>", "<Delete><Other/></Delete>"])(
    "refuses %j",
    (xml) => {
      expect(parseDeleteRequest(xml)).toBeUndefined();
    },
  );

  it("escapes text, control characters included", () => {
    expect(escapeXml(`a&b<c>"d'\u0001`)).toBe("a&amp;b&lt;c&gt;&quot;d&apos;&#1;");
  });
});
