import { z } from "zod";

/**
 * Events about accounts on the same SNS topic as media events, told apart by the `type` message
 * attribute: a subscriber that keeps anything per user (a search index, a mailing list) drops it on
 * `account.deleted`. It carries no email: the account is gone, and so should its address be.
 */
export const AccountEventSchema = z.object({
  type: z.enum(["account.deleted"]),
  userId: z.string(),
  at: z.string(),
});

export type AccountEvent = z.infer<typeof AccountEventSchema>;

export interface AccountEventPublisher {
  publishAccountEvent(event: AccountEvent): Promise<void>;
}
