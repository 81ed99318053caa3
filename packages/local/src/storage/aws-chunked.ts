import { Transform, type TransformCallback } from "node:stream";
import { S3Errors } from "./s3-errors";

/**
 * Decodes `Content-Encoding: aws-chunked` bodies, which the AWS SDK (3.729 and later) sends for a
 * PutObject whose body is a stream: `x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`,
 * chunks of `<hex size>\r\n<bytes>\r\n`, a last `0\r\n`, then trailers such as
 * `x-amz-checksum-crc32:<base64>\r\n` and an empty line. Only the payload bytes go downstream; the
 * trailers are kept for the checksum check. Lines are bounded, so a hostile body cannot grow memory.
 */
const MAX_LINE = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;

type State = "size" | "data" | "data-end" | "trailer" | "done";

export class AwsChunkedDecoder extends Transform {
  readonly trailers = new Map<string, string>();
  private state: State = "size";
  private line = "";
  private remaining = 0;
  private decoded = 0;
  private trailerBytes = 0;

  constructor(private readonly expectedLength: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      let i = 0;
      while (i < chunk.length) {
        switch (this.state) {
          case "size":
          case "trailer":
          case "data-end": {
            const newline = chunk.indexOf(0x0a, i);
            const end = newline === -1 ? chunk.length : newline + 1;
            this.line += chunk.toString("latin1", i, end);
            i = end;
            if (this.line.length > MAX_LINE) throw malformed();
            if (newline === -1) break;
            if (!this.line.endsWith("\r\n")) throw malformed();
            const text = this.line.slice(0, -2);
            this.line = "";
            this.onLine(text);
            break;
          }
          case "data": {
            const take = Math.min(this.remaining, chunk.length - i);
            this.push(chunk.subarray(i, i + take));
            i += take;
            this.remaining -= take;
            this.decoded += take;
            if (this.decoded > this.expectedLength) throw S3Errors.incompleteBody("The decoded content is longer than x-amz-decoded-content-length.");
            if (this.remaining === 0) this.state = "data-end";
            break;
          }
          case "done":
            throw malformed();
        }
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private onLine(text: string): void {
    if (this.state === "data-end") {
      if (text !== "") throw malformed();
      this.state = "size";
      return;
    }
    if (this.state === "size") {
      const sizeHex = text.split(";")[0]?.trim() ?? "";
      if (!/^[0-9a-fA-F]{1,16}$/.test(sizeHex)) throw malformed();
      const size = Number.parseInt(sizeHex, 16);
      if (!Number.isSafeInteger(size)) throw malformed();
      if (size === 0) {
        this.state = "trailer";
      } else {
        this.remaining = size;
        this.state = "data";
      }
      return;
    }
    // trailer section: header lines until an empty one
    if (text === "") {
      this.state = "done";
      return;
    }
    this.trailerBytes += text.length;
    if (this.trailerBytes > MAX_TRAILER_BYTES) throw malformed();
    const colon = text.indexOf(":");
    if (colon <= 0) throw malformed();
    this.trailers.set(text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim());
  }

  override _flush(callback: TransformCallback): void {
    // A body that stops after the last chunk's trailers but without the closing empty line is still whole.
    if (this.state === "trailer" && this.line === "") this.state = "done";
    if (this.state !== "done") return callback(S3Errors.incompleteBody());
    if (this.decoded !== this.expectedLength) {
      return callback(S3Errors.incompleteBody("You did not provide the number of bytes specified by the Content-Length HTTP header"));
    }
    callback();
  }
}

function malformed() {
  return S3Errors.incompleteBody("The request body is not valid aws-chunked encoding.");
}
