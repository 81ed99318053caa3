import type { AccountEventPublisher } from "./account-event";
import { TotpCode, wrongPasswordFor, type AccountSecurity, type SignInOutcome } from "./account-security";
import type { Tokens } from "./accounts";
import { beforeCheckingCode, type CodeLimitDeps } from "./code-limits";
import { ValidationError } from "./errors";
import * as z from "zod/v4-mini";
import { sized } from "./mini-schema";
import type { Clock } from "./ports";
import { purgeUser, type PurgeDeps, type PurgeSummary } from "./purge";
import type { SessionCutoffs } from "./sessions";

/**
 * `DELETE /me`: a person deletes their own account and everything in it, as `npm run purge-user` does.
 *
 * The password (and the TOTP code when MFA is on) is proved by signing in afresh, which also gives a
 * token of the new sign-in to delete the account with. The order makes it safe to repeat: every
 * session ends first (no upload can slip in), then the data goes, then `account.deleted` is announced,
 * and the Cognito account goes last. Until that last step the person can sign in again and repeat the
 * request, which finishes what an interruption left; after it there is nothing left to finish. An
 * announcement repeated by such a retry is a duplicate, as SNS deliveries may be anyway.
 */
export const DeleteAccountInput = z.object({ password: sized(1, 256), code: z.optional(TotpCode) });

export interface AccountDeletionDeps {
  signIn(email: string, password: string): Promise<SignInOutcome>;
  security: Pick<AccountSecurity, "answerMfa" | "deleteSelf">;
  cutoffs: SessionCutoffs;
  codeLimits: CodeLimitDeps;
  clock: Clock;
  purge: Omit<PurgeDeps, "accounts">;
  events: AccountEventPublisher;
}

export async function deleteAccount(
  deps: AccountDeletionDeps,
  input: { userId: string; email: string; clientIp: string; password: string; code?: string | undefined },
): Promise<PurgeSummary> {
  const tokens = await proveIdentity(deps, input);
  const at = deps.clock.now();
  await deps.cutoffs.endSessions(input.userId, at);
  const summary = await purgeUser(deps.purge, input.userId, { dryRun: false });
  await deps.events.publishAccountEvent({ type: "account.deleted", userId: input.userId, at: new Date(at).toISOString() });
  await deps.security.deleteSelf(tokens.accessToken);
  return { ...summary, account: true };
}

async function proveIdentity(deps: AccountDeletionDeps, input: { email: string; clientIp: string; password: string; code?: string | undefined }): Promise<Tokens> {
  const outcome = await deps.signIn(input.email, input.password).catch((error: unknown) => {
    throw wrongPasswordFor(error);
  });
  if (outcome.kind === "tokens") return outcome.tokens;
  if (!input.code) throw new ValidationError("This account has MFA on: give the code from the authenticator app as `code`.", { code: "MfaCodeRequired" });
  await beforeCheckingCode(deps.codeLimits, { email: input.email, clientIp: input.clientIp });
  return deps.security.answerMfa(outcome.username, outcome.session, input.code);
}
