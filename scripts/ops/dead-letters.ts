import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { decodeEventKey } from "@media/core/keys";
import { localQueuePaths, type LocalQueueId } from "@media/local/queue/local-queues";
import { RenditionRequestSchema } from "@media/core/renditions/render";
import { lockLocalData, openLocalDeadLetters, openLocalQueues } from "./local-data";
import type { Progress } from "./progress";

/**
 * The dead-letter queues of the indexer and of the renditions: list what is in one and send it back to its queue, for
 * the local runtime's durable queue and for SQS. Shared by `npm run redrive` and later recovery scripts.
 *
 * Both backends are idempotent: a message is removed from the dead-letter queue only after the index
 * queue has it, so an interrupted run loses nothing and the next run finishes the job; a second run
 * finds nothing. What an interruption can leave is a message in both queues at once: locally the next
 * run notices the copy already queued and only removes the dead letter; on SQS (which cannot be asked)
 * the next run sends it once more, and the indexer, idempotent by design (DESIGN.md §5), indexes it once.
 */
export interface DeadLetter {
  id: string;
  /** How often the message was received before it was dead-lettered (SQS: as it stands now). */
  receiveCount: number;
  /** When it was first sent to the index queue (ISO 8601), when known. */
  sentAt?: string;
  /** The S3 object keys of the event records inside, decoded. */
  keys: string[];
  /** Set when the body is not S3 event records (a test event, something unexpected). */
  note?: string;
  body: string;
}

export interface RedriveResult {
  listed: DeadLetter[];
  /** Sent back to the index queue and removed from the dead-letter queue. */
  redriven: number;
  /** Local only: found already in the index queue (an earlier run was interrupted) and removed from the DLQ. */
  alreadyQueued: number;
  /** Could not be sent, or sent but not removed from the DLQ (see `problems`). */
  failed: number;
  problems: string[];
  dryRun: boolean;
}

export interface RedriveHooks {
  progress?: Progress;
  /** Each dead letter as it is found, for the listing. */
  onListed?: (message: DeadLetter) => void;
}

/**
 * The object keys a queued body is about: an S3 event notification's (`{"Records": [...]}`), decoded as
 * the indexer decodes them, or a rendition request's (a `media.ready` event).
 */
export function describeBody(body: string): { keys: string[]; note?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { keys: [], note: "body is not JSON" };
  }
  // A rendition request: the media.ready event the topic delivered raw to the renditions queue.
  const request = RenditionRequestSchema.safeParse(parsed);
  if (request.success) return { keys: [request.data.key] };
  const object = (parsed ?? {}) as { Records?: unknown; Event?: unknown };
  if (object.Event === "s3:TestEvent") return { keys: [], note: "s3:TestEvent" };
  if (!Array.isArray(object.Records)) return { keys: [], note: "no S3 event records" };
  const keys: string[] = [];
  for (const record of object.Records as Array<{ s3?: { object?: { key?: unknown } } }>) {
    const key = record?.s3?.object?.key;
    if (typeof key === "string") {
      try {
        keys.push(decodeEventKey(key));
      } catch {
        keys.push(key);
      }
    }
  }
  return keys.length ? { keys } : { keys, note: "no object keys in the records" };
}

export function formatDeadLetter(m: DeadLetter): string {
  const what = m.keys.length ? m.keys.join(" ") : `(${m.note ?? "no keys"})`;
  return `${m.id}  receives=${m.receiveCount}  sent=${m.sentAt ?? "?"}  ${what}`;
}

const emptyResult = (dryRun: boolean): RedriveResult => ({ listed: [], redriven: 0, alreadyQueued: 0, failed: 0, problems: [], dryRun });

/**
 * Local: moves the runtime's dead letters (DATA_DIR/queue/media-index-dlq, or with `queue: "renditions"`
 * media-renditions-dlq) back to the queue they came from.
 *
 * The runtime's DurableQueue reads its files only when it opens, so a running runtime would neither see
 * messages added behind its back nor stop dead-lettering into files removed under it. This therefore
 * runs only while the runtime is stopped, and makes sure of it by holding the runtime's own database
 * lock for the whole run (see lockLocalData): if the runtime is running it refuses with a clear message,
 * and a runtime started meanwhile fails to start instead of racing. Started afterwards, the runtime
 * opens its queue with the re-driven messages in it and handles them (receive count reset to 0, so each
 * gets its attempts again, as an SQS redrive gives).
 */
export async function redriveLocal(options: { dataDir: string; dryRun: boolean; queue?: LocalQueueId } & RedriveHooks): Promise<RedriveResult> {
  const result = emptyResult(options.dryRun);
  const id = options.queue ?? "index";
  // Nothing is created where there is no dead-letter queue yet (nothing ever failed there).
  if (!existsSync(localQueuePaths(options.dataDir, id).deadLetters)) return result;
  const lock = await lockLocalData(options.dataDir);
  try {
    // A dry run opens only the dead-letter queue, to read it.
    const { queue, deadLetters } = options.dryRun ? { queue: undefined, deadLetters: await openLocalDeadLetters(options.dataDir, id) } : await openLocalQueues(options.dataDir, id);
    const stored = deadLetters.list();
    options.progress?.setTotal(stored.length);
    // Bodies already waiting in the index queue: an earlier run may have re-sent them and been interrupted before removing the dead letter.
    const queued = new Set((queue?.list() ?? []).map((m) => m.md5OfBody + m.body));
    for (const m of stored) {
      const letter: DeadLetter = { id: m.messageId, receiveCount: m.receiveCount, sentAt: new Date(m.sentAt).toISOString(), ...describeBody(m.body), body: m.body };
      result.listed.push(letter);
      options.onListed?.(letter);
      if (!queue) {
        options.progress?.tick();
        continue;
      }
      try {
        if (queued.has(m.md5OfBody + m.body)) {
          result.alreadyQueued += 1;
        } else {
          await queue.send(m.body);
          queued.add(m.md5OfBody + m.body);
          result.redriven += 1;
        }
        await deadLetters.remove(m.messageId);
      } catch (error) {
        result.failed += 1;
        result.problems.push(`${m.messageId}: ${error instanceof Error ? error.message : String(error)}`);
      }
      options.progress?.tick();
    }
    return result;
  } finally {
    await lock.release();
  }
}

export interface AwsRedriveOptions extends RedriveHooks {
  sqs: SQSClient;
  /** The index queue, where the messages go back to. */
  queueUrl: string;
  /** Its dead-letter queue. */
  dlqUrl: string;
  dryRun: boolean;
  /** How long a received dead letter stays hidden from other readers while this run handles it. */
  visibilityTimeoutSeconds?: number;
  /** Long polling for each receive, so that an empty answer means an empty queue. */
  waitTimeSeconds?: number;
  /** Stop after this many messages (default: until the DLQ is empty). */
  maxMessages?: number;
  /** Send even when the index queue's redrive policy does not name this DLQ. */
  force?: boolean;
}

/**
 * AWS: receives the dead letters in batches of 10 (each hidden for the visibility timeout while it is
 * handled), sends each body and message attributes back to the index queue (SendMessageBatch), and
 * deletes from the DLQ exactly those the send accepted (DeleteMessageBatch). A send that fails leaves the
 * dead letter where it was, visible again after the timeout; a delete that fails means the next run sends
 * that message again (harmless: the indexer is idempotent). A dry run receives to list, then makes every
 * message visible again at once (ChangeMessageVisibility 0); this raises their receive counts in the DLQ,
 * which has no redrive policy of its own, and changes nothing else.
 *
 * Before sending, the index queue's RedrivePolicy must name this DLQ (`force` skips the check), so a
 * mistyped URL cannot pour one queue's dead letters into an unrelated queue.
 */
export async function redriveAws(options: AwsRedriveOptions): Promise<RedriveResult> {
  const { sqs, queueUrl, dlqUrl } = options;
  if (queueUrl.endsWith(".fifo") || dlqUrl.endsWith(".fifo")) throw new Error("FIFO queues are not supported: the index queue is a standard queue.");
  const dlqAttributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn", "ApproximateNumberOfMessages"] }))).Attributes ?? {};
  if (!options.force) {
    const source = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["RedrivePolicy"] }))).Attributes ?? {};
    const target = source.RedrivePolicy ? (JSON.parse(source.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn : undefined;
    if (!target || target !== dlqAttributes.QueueArn) {
      throw new Error(
        `${queueUrl} does not dead-letter into ${dlqUrl} (its redrive policy names ${target ?? "no queue"}, the DLQ is ${dlqAttributes.QueueArn ?? "unknown"}). Check the URLs, or pass --force.`,
      );
    }
  }
  const approximate = Number(dlqAttributes.ApproximateNumberOfMessages ?? "0");
  options.progress?.setTotal(options.maxMessages !== undefined ? Math.min(approximate, options.maxMessages) : approximate);

  const result = emptyResult(options.dryRun);
  const seen = new Set<string>();
  // Bodies sent back in this run: if one comes back to the DLQ before the run ends, it is left there.
  const sentBodies = new Set<string>();
  const toRestore: Array<{ id: string; handle: string }> = [];
  const limit = options.maxMessages ?? Number.POSITIVE_INFINITY;
  let emptyReceives = 0;
  try {
    while (seen.size < limit && emptyReceives < 2) {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: Math.min(10, limit - seen.size),
          VisibilityTimeout: options.visibilityTimeoutSeconds ?? 120,
          WaitTimeSeconds: options.waitTimeSeconds ?? 2,
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
          MessageAttributeNames: ["All"],
        }),
      );
      const batch = (received.Messages ?? []).filter((m): m is Message & { MessageId: string; ReceiptHandle: string } => !!m.MessageId && !!m.ReceiptHandle && !seen.has(m.MessageId));
      if (batch.length === 0) {
        emptyReceives += 1;
        continue;
      }
      emptyReceives = 0;
      const fresh: typeof batch = [];
      for (const m of batch) {
        seen.add(m.MessageId);
        const body = m.Body ?? "";
        if (sentBodies.has(bodyHash(body))) {
          result.problems.push(`${m.MessageId}: came back to the DLQ during this run (it failed again); left there`);
          continue;
        }
        const sent = m.Attributes?.SentTimestamp;
        const letter: DeadLetter = {
          id: m.MessageId,
          receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? "0"),
          ...(sent ? { sentAt: new Date(Number(sent)).toISOString() } : {}),
          ...describeBody(body),
          body,
        };
        result.listed.push(letter);
        options.onListed?.(letter);
        fresh.push(m);
      }
      if (options.dryRun) {
        for (const m of fresh) toRestore.push({ id: m.MessageId, handle: m.ReceiptHandle });
        options.progress?.tick(fresh.length);
        continue;
      }
      if (fresh.length === 0) continue;

      const sendOut = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: fresh.map((m, i) => ({ Id: String(i), MessageBody: m.Body ?? "", ...(m.MessageAttributes ? { MessageAttributes: copyAttributes(m.MessageAttributes) } : {}) })),
        }),
      );
      for (const f of sendOut.Failed ?? []) {
        const m = fresh[Number(f.Id)];
        result.failed += 1;
        result.problems.push(`${m?.MessageId}: not sent (${f.Code}: ${f.Message ?? ""}); it stays in the DLQ`);
      }
      const accepted = (sendOut.Successful ?? []).map((s) => fresh[Number(s.Id)]!).filter(Boolean);
      for (const m of accepted) sentBodies.add(bodyHash(m.Body ?? ""));
      if (accepted.length) {
        const deleted = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: dlqUrl, Entries: accepted.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
        const notDeleted = new Set((deleted.Failed ?? []).map((f) => Number(f.Id)));
        accepted.forEach((m, i) => {
          if (notDeleted.has(i)) {
            result.failed += 1;
            result.problems.push(`${m.MessageId}: sent, but not deleted from the DLQ; the next run sends it again (the indexer is idempotent)`);
          } else {
            result.redriven += 1;
          }
        });
      }
      options.progress?.tick(fresh.length);
    }
  } finally {
    // A dry run changes nothing: what it received becomes visible again now, not after the timeout.
    for (let i = 0; i < toRestore.length; i += 10) {
      const entries = toRestore.slice(i, i + 10).map((r, j) => ({ Id: String(j), ReceiptHandle: r.handle, VisibilityTimeout: 0 }));
      await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: dlqUrl, Entries: entries })).catch((error: unknown) => {
        result.problems.push(`could not make ${entries.length} listed messages visible again (they will be after the visibility timeout): ${String(error)}`);
      });
    }
  }
  return result;
}

function bodyHash(body: string): string {
  return createHash("sha256").update(body).digest("hex");
}

/** String and binary attributes as SendMessage takes them (the list forms are reserved by SQS). */
function copyAttributes(attributes: Record<string, MessageAttributeValue>): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const copy: MessageAttributeValue = { DataType: value.DataType };
    if (value.StringValue !== undefined) copy.StringValue = value.StringValue;
    if (value.BinaryValue !== undefined) copy.BinaryValue = value.BinaryValue;
    out[name] = copy;
  }
  return out;
}
