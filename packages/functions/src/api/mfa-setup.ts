import { startTotpSetup } from "@media/core/account-security";
import { bearerToken, caller, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  caller(event);
  const accessToken = bearerToken(event);
  const { accounts, security } = authServices();
  const { email } = await accounts.profile(accessToken);
  return { status: 200, body: await startTotpSetup(security, { accessToken, email }) };
});
