import sharp from "sharp";
import { RenditionRefusedError } from "@media/core/renditions/ports";
import { afterEach, describe, expect, it } from "vitest";
import { cameraJpeg, solid } from "../../test/helpers/media";
import { bytesFile } from "../../test/helpers/synth-audio";
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

  it("refuses a damaged image with a reason", async () => {
    const full = await solid(2000, 2000).jpeg().toBuffer();
    const broken = await bytesFile(full.subarray(0, full.length / 3));
    disposals.push(broken.dispose);
    await expect(previewer.preview({ source: broken, format: "jpeg", deadline: later() })).rejects.toBeInstanceOf(RenditionRefusedError);
  });
});
