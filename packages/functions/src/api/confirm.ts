import { ConfirmInput } from "@media/core/accounts";
import { beforeCheckingCode } from "@media/core/code-limits";
import { clientIp, jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  const { email, code } = jsonBody(event, ConfirmInput);
  await beforeCheckingCode(authServices().codeLimits, { email, clientIp: clientIp(event) });
  await authServices().accounts.confirm(email, code);
  return { status: 200, body: { message: "Account confirmed. You can log in now." } };
});
