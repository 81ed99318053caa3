import sharp from "sharp";
import { RenditionRefusedError } from "@media/core/renditions/ports";
import { afterEach, describe, expect, it } from "vitest";
import { cameraJpeg, fixture, solid } from "@media/testing/media-samples";
import { bytesFile } from "@media/testing/rendition-inputs";
import { createImagePreviewer } from "./image-previewer";

const previewer = createImagePreviewer();
const disposals: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const dispose of disposals.splice(0)) await dispose();
});
const later = () => Date.now() + 60_000;

describe("image previewer", () => {
  it("makes a 1600 px WebP of a large JPEG, without its metadata", async () => {
    const big = await bytesFile(await solid(4000, 3000).withExif({ IFD0: { Make: "Canon" } }).jpeg().toBuffer());
    disposals.push(big.dispose);
    const webp = await previewer.preview({ source: big, format: "jpeg", deadline: later() });
    const info = await sharp(webp).metadata();
    expect(info).toMatchObject({ format: "webp", width: 1600, height: 1200 });
    expect(info.exif).toBeUndefined();
  });

  it("turns a sideways camera picture upright", async () => {
    const sideways = await bytesFile(await cameraJpeg());
    disposals.push(sideways.dispose);
    const info = await sharp(await previewer.preview({ source: sideways, format: "jpeg", deadline: later() })).metadata();
    expect(info).toMatchObject({ width: 200, height: 400 });
  });

  // sharp's prebuilt libvips cannot write HEVC ("heifsave: Unsupported compression": no x265 in it), so the
  // HEIC is the fixture libheif's heif-enc made (packages/testing/fixtures/media/make-fixtures.sh), with libheif's own
  // decoding of it beside it as the reference.
  it("previews a HEIC by its content, whatever name the indexer gave its format, and shows what libheif shows", async () => {
    const heic = await bytesFile(fixture("still.heic"));
    disposals.push(heic.dispose);
    const reference = await sharp(fixture("still.heic.png")).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    for (const format of ["heic", "heif", undefined]) {
      const webp = await previewer.preview({ source: heic, format, deadline: later() });
      const info = await sharp(webp).metadata();
      // Small pictures keep their size: a preview is made of a HEIC whatever its size, for the browsers that cannot show one.
      expect(info, String(format)).toMatchObject({ format: "webp", width: reference.info.width, height: reference.info.height });
      const pixels = await sharp(webp).removeAlpha().raw().toBuffer();
      let difference = 0;
      for (let i = 0; i < pixels.length; i++) difference += Math.abs(pixels[i]! - reference.data[i]!);
      // WebP at quality 80 of the same picture (measured: about 8 per channel value, as for the indexer's
      // thumbnail of it), not another picture (the mirrored one is about 220 away).
      expect(difference / pixels.length, String(format)).toBeLessThan(20);
    }
  });

  it("refuses a damaged HEIC with a reason", async () => {
    const whole = fixture("still.heic");
    const broken = await bytesFile(whole.subarray(0, Math.floor(whole.length * 0.6)));
    disposals.push(broken.dispose);
    await expect(previewer.preview({ source: broken, format: "heic", deadline: later() })).rejects.toBeInstanceOf(RenditionRefusedError);
  });

  it("refuses a damaged image with a reason", async () => {
    const full = await solid(2000, 2000).jpeg().toBuffer();
    const broken = await bytesFile(full.subarray(0, full.length / 3));
    disposals.push(broken.dispose);
    await expect(previewer.preview({ source: broken, format: "jpeg", deadline: later() })).rejects.toBeInstanceOf(RenditionRefusedError);
  });
});
