import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

export interface HeicPixels {
  width: number;
  height: number;
  /** RGBA, row by row. */
  data: Uint8ClampedArray;
}

/** Decodes a HEIC's first picture, or rejects with HeicDecodeTimeout once `deadline` (epoch ms) has passed. */
export type HeicDecode = (input: { buffer: Uint8Array }, limits: { deadline: number }) => Promise<HeicPixels>;

export class HeicDecodeTimeout extends Error {
  override readonly name = "HeicDecodeTimeout";
  constructor() {
    super("HEIC decoding ran past its deadline and was stopped");
  }
}

/**
 * heic-decode is loaded by name at run time, never bundled: its module embeds 2 MB of WebAssembly, which
 * would double the indexer's bundle and be parsed on every cold start, HEIC or not. The stack installs
 * it beside sharp; where it is not installed, HEICs are described without a thumbnail, as before it was
 * used. (The name is built so that bundlers do not resolve it.)
 */
const HEIC_DECODER_MODULE = ["heic", "decode"].join("-");
let moduleUrl: string | null | undefined;

/** The decoder, or undefined where heic-decode is not installed. */
export async function heicDecoder(): Promise<HeicDecode | undefined> {
  if (moduleUrl === undefined) {
    try {
      moduleUrl = pathToFileURL(createRequire(import.meta.url).resolve(HEIC_DECODER_MODULE)).href;
    } catch (error) {
      if ((error as { code?: string }).code !== "MODULE_NOT_FOUND") throw error;
      moduleUrl = null;
    }
  }
  const url = moduleUrl;
  return url === null ? undefined : (input, limits) => decodeInWorker(url, input.buffer, limits.deadline);
}

/**
 * Runs the decoder's default export in a worker thread of its own, for two reasons. libheif is synchronous
 * WebAssembly: a timer on this thread cannot interrupt it, but terminating its thread can, so a picture
 * built to decode for minutes costs its deadline and no more. And a WebAssembly heap keeps its high-water
 * mark for the life of its thread: one thread per picture gives a 25 MP picture's memory back when it is done.
 * The worker is code, not a file, so the function's bundle needs no second entry point.
 */
export function decodeInWorker(module: string, bytes: Uint8Array, deadline: number): Promise<HeicPixels> {
  return new Promise<HeicPixels>((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, bytes } });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      outcome();
    };
    const timer = setTimeout(() => settle(() => reject(new HeicDecodeTimeout())), Math.max(0, deadline - Date.now()));
    worker.once("message", (message: { pixels: HeicPixels } | { error: string }) =>
      settle(() => ("pixels" in message ? resolve(message.pixels) : reject(new Error(message.error)))),
    );
    worker.once("error", (error) => settle(() => reject(error)));
    worker.once("exit", (code) => settle(() => reject(new Error(`the HEIC decoder stopped (exit code ${code}) before it answered`))));
  });
}

// CommonJS, as eval'd workers are; the pixels are handed back without a copy.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.module)
  .then((loaded) => loaded.default({ buffer: workerData.bytes }))
  .then(
    ({ width, height, data }) => parentPort.postMessage({ pixels: { width, height, data } }, [data.buffer]),
    (error) => parentPort.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
`;
