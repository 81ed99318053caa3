import { ResetPasswordInput } from "@media/core/accounts";
import { beforeCheckingCode } from "@media/core/code-limits";
import { resetPassword } from "@media/core/sessions";
import { clientIp, jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  const input = jsonBody(event, ResetPasswordInput);
  await beforeCheckingCode(authServices().codeLimits, { email: input.email, clientIp: clientIp(event) });
  await resetPassword(authServices().sessions, input);
  return { status: 200, body: { message: "Password changed; every session was signed out. You can log in with the new password." } };
});
