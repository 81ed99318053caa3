import type { SnsNotification, Subscriber } from "./topic";

/**
 * HTTP subscriptions, as SNS delivers them: a POST of the JSON envelope with SNS's headers, retried
 * with backoff when the endpoint fails (SNS's default HTTP policy retries too; three tries here).
 */
export function webhookSubscriber(url: string, options: { retries?: number; baseDelayMs?: number } = {}): Subscriber {
  const retries = options.retries ?? 3;
  const base = options.baseDelayMs ?? 500;
  return async (notification: SnsNotification) => {
    let lastError: unknown;
    for (let attempt = 0; attempt < retries; attempt++) {
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "text/plain; charset=UTF-8",
            "x-amz-sns-message-type": "Notification",
            "x-amz-sns-message-id": notification.MessageId,
            "x-amz-sns-topic-arn": notification.TopicArn,
          },
          body: JSON.stringify(notification),
          signal: AbortSignal.timeout(15_000),
        });
        if (res.ok) return;
        lastError = new Error(`webhook ${new URL(url).origin} answered ${res.status}`);
      } catch (error) {
        lastError = error;
      }
      await new Promise((r) => setTimeout(r, base * 2 ** attempt));
    }
    throw lastError;
  };
}

/** Parses `SNS_WEBHOOKS` (comma-separated URLs), refusing anything that is not http(s). */
export function parseWebhookList(value: string | undefined): string[] {
  if (!value?.trim()) return [];
  return value.split(",").map((raw) => {
    const url = new URL(raw.trim());
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`SNS_WEBHOOKS: ${raw} is not an http(s) URL`);
    return url.toString();
  });
}
