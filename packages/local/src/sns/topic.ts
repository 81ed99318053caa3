import { randomUUID } from "node:crypto";

/** One published SNS message as subscribers receive it (the SNS HTTP/S notification envelope). */
export interface SnsNotification {
  Type: "Notification";
  MessageId: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: "1";
  MessageAttributes: Record<string, { Type: string; Value: string }>;
}

export type Subscriber = (notification: SnsNotification) => Promise<void> | void;

/**
 * A local topic: fan-out to subscribers. A failing subscriber never fails the publish nor the other
 * subscribers, as with SNS, where delivery is the topic's business after Publish returns.
 */
export class LocalTopic {
  private readonly subscribers = new Set<Subscriber>();
  constructor(
    readonly arn: string,
    private readonly onDeliveryError: (error: unknown) => void = () => undefined,
  ) {}

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  publish(message: string, attributes: SnsNotification["MessageAttributes"], subject?: string): string {
    const notification: SnsNotification = {
      Type: "Notification",
      MessageId: randomUUID(),
      TopicArn: this.arn,
      Message: message,
      Timestamp: new Date().toISOString(),
      SignatureVersion: "1",
      MessageAttributes: attributes,
    };
    if (subject) notification.Subject = subject;
    for (const subscriber of this.subscribers) {
      Promise.resolve()
        .then(() => subscriber(notification))
        .catch(this.onDeliveryError);
    }
    return notification.MessageId;
  }
}
