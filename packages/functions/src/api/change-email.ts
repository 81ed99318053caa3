import { ChangeEmailInput, requestEmailChange } from "@media/core/account-security";
import { bearerToken, caller, clientIp, jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  caller(event);
  const { email } = jsonBody(event, ChangeEmailInput);
  await requestEmailChange(authServices().security, { accessToken: bearerToken(event), email, clientIp: clientIp(event) });
  return { status: 202, body: { message: `We sent a code to ${email}. Sign-in keeps your current email until you enter it.` } };
});
