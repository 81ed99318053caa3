import { SendEmailCommand, type SESv2Client } from "@aws-sdk/client-sesv2";
import type { Mailer } from "@media/core/notices";
import { log } from "../log";

/**
 * The service's own mail through SES (v2 SendEmail), from the identity Cognito sends its codes from
 * (the stage's SES_FROM_EMAIL), so both kinds of mail share one sender and one reputation.
 */
export function createSesMailer({ client, from }: { client: SESv2Client; from: string }): Mailer {
  return {
    async send(mail) {
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: [mail.to] },
          Content: { Simple: { Subject: { Data: mail.subject, Charset: "UTF-8" }, Body: { Text: { Data: mail.text, Charset: "UTF-8" } } } },
        }),
      );
    },
  };
}

/**
 * A stage without SES (Cognito's own sender, which sends only its codes) has no way to mail a notice:
 * said in the log each time rather than pretended, and the stack warns at synthesis (stacks/Api.ts).
 */
export function createUnsentMailer(): Mailer {
  return {
    async send(mail) {
      log.warn("notice not sent: this stage has no SES sender (SES_FROM_EMAIL)", { subject: mail.subject });
    },
  };
}
