import { ForgotPasswordInput } from "@media/core/accounts";
import { beforeSendingCode } from "@media/core/code-limits";
import { clientIp, jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  const { email } = jsonBody(event, ForgotPasswordInput);
  // Counted whether or not the account exists, so a 429 tells nothing about it either.
  await beforeSendingCode(authServices().codeLimits, { email, clientIp: clientIp(event) });
  await authServices().accounts.forgotPassword(email);
  // The same answer whether or not the account exists, so the endpoint cannot be used to find accounts.
  return { status: 202, body: { message: "If an account exists for this email, a reset code is on its way." } };
});
