import { ResendCodeInput } from "@media/core/accounts";
import { beforeSendingCode } from "@media/core/code-limits";
import { clientIp, jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  const { email } = jsonBody(event, ResendCodeInput);
  await beforeSendingCode(authServices().codeLimits, { email, clientIp: clientIp(event) });
  await authServices().accounts.resendCode(email);
  return { status: 202, body: { message: "If the account exists and is unconfirmed, a new code is on its way." } };
});
