/**
 * Mail the service writes itself, as opposed to the codes the user pool sends: today the notice to the
 * old address after an email change. Cognito sends the code to the new address but tells the old one
 * nothing, and the old address is the one a person still reads when someone else took the account over.
 */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends one message (SES on AWS, the local outbox on one machine). */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}

export const EMAIL_CHANGED_SUBJECT = "Your media storage sign-in email was changed";

/** The notice to the address sign-in just left: what changed, when, and what to do if it was not them. */
export function emailChangedNotice(input: { oldEmail: string; newEmail: string; at: number }): Mail {
  return {
    to: input.oldEmail,
    subject: EMAIL_CHANGED_SUBJECT,
    text: [
      `The email address you sign in to media storage with was changed from ${input.oldEmail} to ${input.newEmail} at ${new Date(input.at).toISOString()}.`,
      "",
      "If you made this change, there is nothing to do.",
      "If you did not, someone else holds your account: sign-in now takes the new address, so reply to this message or contact support at once.",
    ].join("\n"),
  };
}
