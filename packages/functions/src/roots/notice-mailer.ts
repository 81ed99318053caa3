import type { Mailer } from "@media/core/notices";
import type { FunctionsConfig } from "../config";
import { onFirstUse } from "./on-first-use";

/**
 * The mailer of the auth family, loaded when a notice is first sent: only `POST /me/email/verify` sends
 * one, so the SES client stays out of every auth route's cold start (budgets in stacks/bundle-budgets.ts).
 */
export function lazyNoticeMailer(cfg: FunctionsConfig): Mailer {
  const mailer = onFirstUse(async (): Promise<Mailer> => {
    const { createSesMailer, createUnsentMailer } = await import("../adapters/ses-mailer");
    if (!cfg.notices) return createUnsentMailer();
    const { sesClient } = await import("./clients/ses");
    return createSesMailer({ client: sesClient(cfg.notices.region), from: cfg.notices.from });
  });
  return { send: async (mail) => (await mailer()).send(mail) };
}
