// heic-decode ships no type declarations; this is the part of its API the indexer uses.
declare module "heic-decode" {
  /** Decodes the first top-level image of a HEIC/HEIF file to RGBA, with its container transforms applied. */
  export default function decode(input: { buffer: Uint8Array }): Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
}
