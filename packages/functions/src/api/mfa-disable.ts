import { disableTotp, TotpCodeInput } from "@media/core/account-security";
import { bearerToken, caller, clientIp, jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  caller(event);
  const { code } = jsonBody(event, TotpCodeInput);
  const accessToken = bearerToken(event);
  const { accounts, security } = authServices();
  const { email } = await accounts.profile(accessToken);
  await disableTotp(security, { accessToken, email, clientIp: clientIp(event), code });
  return { status: 204 };
});
