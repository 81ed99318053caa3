/**
 * The local stage's SES sender: the one identity the local SES has verified, and the sender the local
 * stage is synthesized with (stacks/local-policies.ts), so the generated policies grant ses:SendEmail on
 * it as a stage with SES_FROM_EMAIL grants it on its own.
 */
export const LOCAL_NOTICE_IDENTITY = "no-reply@media.local";
export const LOCAL_NOTICE_FROM = `Media storage <${LOCAL_NOTICE_IDENTITY}>`;
