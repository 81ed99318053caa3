import { enableTotp, TotpCodeInput } from "@media/core/account-security";
import { bearerToken, caller, clientIp, jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  caller(event);
  const { code } = jsonBody(event, TotpCodeInput);
  const accessToken = bearerToken(event);
  const { accounts, security } = authServices();
  const { email } = await accounts.profile(accessToken);
  await enableTotp(security, { accessToken, email, clientIp: clientIp(event), code });
  return { status: 200, body: { message: "MFA is on: sign-in now asks for a code from your app.", mfa: "SOFTWARE_TOKEN_MFA" } };
});
