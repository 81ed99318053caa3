import fs from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Inspection, MediaInspector } from "@media/core/ports";
import type { RenditionDeps } from "@media/core/renditions/ports";
import { inspectInput } from "@media/testing/inspect-input";
import { fixture, png, wav } from "@media/testing/media-samples";
import { minimalFunctionEnv } from "@media/testing/function-env";
import { bytesFile } from "@media/testing/rendition-inputs";
import { parseConfig, type FunctionsConfig } from "@media/functions/config";
import { bundleFunction, functionsOfStacks, packagesOf, type FunctionBundle } from "./bundles";
import { FUNCTIONS_SRC } from "./lambda";
import { REPO_ROOT } from "./synth";

/**
 * The indexer and the renditions function load their media code when a file of its kind arrives
 * (media/inspector.ts, roots/renditions.ts): sharp's native library and music-metadata are in chunks a
 * cold start does not load. Here that code is bundled as those functions are bundled (their stacks'
 * settings, code splitting, sharp left external), imported by Node itself, and run: the chunks must be
 * found and must work, which no unit test of the sources can tell.
 */
let dir: string;
let inspectorBundle: FunctionBundle;
let renditionsBundle: FunctionBundle;

beforeAll(async () => {
  const functions = await functionsOfStacks();
  const settingsOf = (module: string) => functions.find((f) => f.handler === `${FUNCTIONS_SRC}/${module}.handler`)!.nodejs;
  // Inside the repository, so that the external sharp resolves as it does beside a function's bundle.
  dir = await fs.mkdtemp(path.join(REPO_ROOT, "node_modules", ".media-chunks-"));
  inspectorBundle = await bundleFunction({ handler: `${FUNCTIONS_SRC}/media/inspector.handler`, nodejs: settingsOf("indexer") }, REPO_ROOT, { dir });
  renditionsBundle = await bundleFunction({ handler: `${FUNCTIONS_SRC}/roots/renditions.handler`, nodejs: settingsOf("renditions") }, REPO_ROOT, { dir });
});

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** Whether any of these output files imports `name` left external (sharp). */
function importsExternal(bundle: FunctionBundle, files: string[], name: string): boolean {
  return files.some((file) => bundle.metafile.outputs[file]!.imports.some((i) => i.external && i.path === name));
}
const lazyFiles = (bundle: FunctionBundle) => Object.keys(bundle.metafile.outputs).filter((f) => /\.m?js$/.test(f) && !bundle.eager.includes(f));

describe("the indexer's media inspector, bundled", () => {
  it("loads file-type at once, and sharp and music-metadata only in chunks loaded on demand", () => {
    const eager = packagesOf(inspectorBundle.metafile, inspectorBundle.eager);
    expect(eager.has("file-type")).toBe(true);
    expect(eager.has("music-metadata")).toBe(false);
    expect(importsExternal(inspectorBundle, inspectorBundle.eager, "sharp")).toBe(false);
    expect(packagesOf(inspectorBundle.metafile, lazyFiles(inspectorBundle)).has("music-metadata")).toBe(true);
    expect(importsExternal(inspectorBundle, lazyFiles(inspectorBundle), "sharp")).toBe(true);
  });

  it("describes an image, an audio file and the cover of another, loading each describer when its first file arrives", async () => {
    const { createMediaInspector } = (await import(pathToFileURL(inspectorBundle.outfile!).href)) as { createMediaInspector: () => MediaInspector };
    const inspector = createMediaInspector();
    const inspect = async (bytes: Buffer, type: string) => {
      const result: Inspection = await inspector.inspect(inspectInput(bytes, type).input);
      if (!result.ok) throw new Error(`refused: ${result.reason}`);
      return result;
    };
    const image = await inspect(await png(64, 48), "image/png");
    expect(image.metadata).toMatchObject({ format: "png", width: 64, height: 48 });
    expect(await sharp(image.thumbnail!.bytes).metadata()).toMatchObject({ format: "webp", width: 64, height: 48 });
    expect((await inspect(wav(1, 8000), "audio/wav")).metadata).toMatchObject({ format: "wav", durationSeconds: 1, sampleRate: 8000, codec: "PCM" });
    const tagged = await inspect(fixture("tone.mp3"), "audio/mpeg");
    expect(tagged.metadata).toMatchObject({ format: "mpeg", title: "Test Tone" });
    expect(await sharp(tagged.thumbnail!.bytes).metadata()).toMatchObject({ format: "webp", width: 48, height: 32 });
  });
});

describe("the renditions function's image previewer, bundled", () => {
  it("is in a chunk loaded on demand, with sharp", () => {
    expect(importsExternal(renditionsBundle, renditionsBundle.eager, "sharp")).toBe(false);
    expect(importsExternal(renditionsBundle, lazyFiles(renditionsBundle), "sharp")).toBe(true);
  });

  it("makes a picture's WebP preview once loaded", async () => {
    const { buildRenditionDeps } = (await import(pathToFileURL(renditionsBundle.outfile!).href)) as { buildRenditionDeps: (cfg: FunctionsConfig) => RenditionDeps };
    const cfg = parseConfig(minimalFunctionEnv("us-east-1"));
    const source = await bytesFile(await png(2400, 1200));
    try {
      const preview = await buildRenditionDeps(cfg).images.preview({ source, format: "png", deadline: Date.now() + 60_000 });
      expect(await sharp(preview).metadata()).toMatchObject({ format: "webp", width: 1600, height: 800 });
    } finally {
      await source.dispose();
    }
  });
});
