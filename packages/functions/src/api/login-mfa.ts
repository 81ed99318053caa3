import { completeMfaLogin, LoginMfaInput } from "@media/core/account-security";
import { loginResponse } from "@media/core/accounts";
import { clientIp, jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  const input = jsonBody(event, LoginMfaInput);
  const tokens = await completeMfaLogin(authServices().security, { ...input, clientIp: clientIp(event) });
  return { status: 200, body: loginResponse(tokens, "Login successful.") };
});
