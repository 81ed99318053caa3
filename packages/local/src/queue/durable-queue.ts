import { createHash, randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * A durable local queue with SQS's delivery semantics: a message is stored (fsync + atomic rename)
 * before `send` resolves, so an accepted message survives a crash; received messages stay invisible
 * for the visibility timeout; a message received `maxReceiveCount` times without being deleted moves
 * to the dead-letter queue on its next receive, as an SQS redrive policy does.
 */
export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Epoch ms before which the message is not handed out. */
  visibleAt: number;
  receiptHandle?: string;
}

export interface QueueOptions {
  dir: string;
  name: string;
  visibilityTimeoutSeconds: number;
  deadLetter?: { queue: DurableQueue; maxReceiveCount: number };
}

export class DurableQueue {
  readonly name: string;
  private readonly dir: string;
  private readonly visibilityMs: number;
  private readonly deadLetter: QueueOptions["deadLetter"];
  /** In-memory index of the files on disk; the files are the truth, this only avoids rereading them. */
  private readonly messages = new Map<string, StoredMessage>();
  private listeners: Array<() => void> = [];

  private constructor(options: QueueOptions) {
    this.name = options.name;
    this.dir = options.dir;
    this.visibilityMs = options.visibilityTimeoutSeconds * 1000;
    this.deadLetter = options.deadLetter;
  }

  static async open(options: QueueOptions): Promise<DurableQueue> {
    const queue = new DurableQueue(options);
    await mkdir(options.dir, { recursive: true });
    for (const name of await readdir(options.dir)) {
      if (name.endsWith(".tmp")) {
        await rm(join(options.dir, name), { force: true });
        continue;
      }
      if (!name.endsWith(".json")) continue;
      const message = JSON.parse(await readFile(join(options.dir, name), "utf8")) as StoredMessage;
      // After a restart nobody holds a receipt: in-flight messages become visible when their timeout ends, as in SQS.
      delete message.receiptHandle;
      queue.messages.set(message.messageId, message);
    }
    return queue;
  }

  get size(): number {
    return this.messages.size;
  }

  async send(body: string, now = Date.now()): Promise<StoredMessage> {
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: createHash("md5").update(body).digest("hex"),
      sentAt: now,
      receiveCount: 0,
      visibleAt: now,
    };
    await this.persist(message);
    this.messages.set(message.messageId, message);
    this.notify();
    return message;
  }

  /** Hands out up to `max` visible messages, oldest first, each now invisible for the visibility timeout. */
  async receive(max: number, now = Date.now()): Promise<StoredMessage[]> {
    const visible = [...this.messages.values()].filter((m) => m.visibleAt <= now).sort((a, b) => a.sentAt - b.sentAt);
    const out: StoredMessage[] = [];
    for (const message of visible) {
      if (out.length >= max) break;
      if (this.deadLetter && message.receiveCount >= this.deadLetter.maxReceiveCount) {
        await this.moveToDeadLetter(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + this.visibilityMs;
      message.receiptHandle = `${message.messageId}.${randomUUID()}`;
      await this.persist(message);
      out.push({ ...message });
    }
    return out;
  }

  /** Deletes a received message; a stale receipt (the message was received again since) is ignored, as SQS does after the timeout. */
  async delete(receiptHandle: string): Promise<void> {
    const messageId = receiptHandle.split(".", 1)[0]!;
    const message = this.messages.get(messageId);
    if (!message || message.receiptHandle !== receiptHandle) return;
    this.messages.delete(messageId);
    await rm(this.fileOf(messageId), { force: true });
  }

  /** Makes a received message visible again after `seconds` (SQS ChangeMessageVisibility). */
  async changeVisibility(receiptHandle: string, seconds: number, now = Date.now()): Promise<void> {
    const messageId = receiptHandle.split(".", 1)[0]!;
    const message = this.messages.get(messageId);
    if (!message || message.receiptHandle !== receiptHandle) return;
    message.visibleAt = now + seconds * 1000;
    await this.persist(message);
    this.notify();
  }

  /** When each message that could be received now was sent (for a batching window). */
  visibleSentTimes(now = Date.now()): number[] {
    const out: number[] = [];
    for (const m of this.messages.values()) if (m.visibleAt <= now) out.push(m.sentAt);
    return out;
  }

  /** Every stored message, for listing a dead-letter queue. */
  list(): StoredMessage[] {
    return [...this.messages.values()].sort((a, b) => a.sentAt - b.sentAt).map((m) => ({ ...m }));
  }

  /** Removes one message by id (after a redrive has re-sent it). */
  async remove(messageId: string): Promise<void> {
    this.messages.delete(messageId);
    await rm(this.fileOf(messageId), { force: true });
  }

  /** Earliest time a stored message becomes visible, for the poller's sleep. */
  nextVisibleAt(): number | undefined {
    let next: number | undefined;
    for (const m of this.messages.values()) if (next === undefined || m.visibleAt < next) next = m.visibleAt;
    return next;
  }

  onMessage(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }

  private async moveToDeadLetter(message: StoredMessage): Promise<void> {
    const dlq = this.deadLetter!.queue;
    // Keep the id and the count, as SQS does, so an operator can trace the message from its logs.
    const moved: StoredMessage = { ...message, visibleAt: 0 };
    delete moved.receiptHandle;
    await dlq.persist(moved);
    dlq.messages.set(moved.messageId, moved);
    this.messages.delete(message.messageId);
    await rm(this.fileOf(message.messageId), { force: true });
  }

  private fileOf(messageId: string): string {
    return join(this.dir, `${messageId}.json`);
  }

  private async persist(message: StoredMessage): Promise<void> {
    const file = this.fileOf(message.messageId);
    const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
    const handle = await open(tmp, "w");
    try {
      await handle.writeFile(JSON.stringify(message));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  }
}
