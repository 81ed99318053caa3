/**
 * The multipart/form-data body of a presigned POST, built as a stream of known length: every policy
 * field, then the file last (S3 ignores fields after it). Knowing the length up front lets it be sent
 * with a Content-Length (S3 refuses chunked POSTs) and its bytes counted as the network takes them,
 * which is where upload progress comes from.
 */
export interface FormBody {
  stream: ReadableStream<Uint8Array>;
  length: number;
  contentType: string;
}

export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

const encoder = new TextEncoder();

export function postFormBody(
  fields: Record<string, string>,
  file: { data: ByteSource; size: number; fileName: string; contentType: string },
  onBytes: (sent: number) => void,
): FormBody {
  const boundary = `----media-${crypto.randomUUID()}`;
  // Quotes and line breaks cannot appear inside a quoted part header; the stored name comes from the API anyway.
  const quoted = (s: string) => s.replace(/["\r\n\\]/g, "_");
  let head = "";
  for (const [name, value] of Object.entries(fields)) head += `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`;
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted(file.fileName)}"\r\nContent-Type: ${file.contentType}\r\n\r\n`;
  const prefix = encoder.encode(head);
  const suffix = encoder.encode(`\r\n--${boundary}--\r\n`);
  let sent = 0;
  let iterator: AsyncIterator<Uint8Array> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(prefix);
    },
    async pull(controller) {
      iterator ??= iterate(file.data);
      const { value, done } = await iterator.next();
      if (done) {
        if (sent !== file.size) {
          controller.error(new Error(`The file gave ${sent} bytes where ${file.size} were declared.`));
          return;
        }
        controller.enqueue(suffix);
        controller.close();
        return;
      }
      sent += value.byteLength;
      if (sent > file.size) {
        controller.error(new Error(`The file gave more than the ${file.size} bytes declared.`));
        return;
      }
      controller.enqueue(value);
      onBytes(sent);
    },
    async cancel(reason) {
      await iterator?.return?.(reason);
    },
  });
  return { stream, length: prefix.byteLength + file.size + suffix.byteLength, contentType: `multipart/form-data; boundary=${boundary}` };
}

function iterate(data: ByteSource): AsyncIterator<Uint8Array> {
  if (Symbol.asyncIterator in data) return (data as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const reader = (data as ReadableStream<Uint8Array>).getReader();
  return {
    next: () => reader.read() as Promise<IteratorResult<Uint8Array>>,
    return: async (reason?: unknown) => {
      await reader.cancel(reason);
      return { done: true, value: undefined };
    },
  };
}
