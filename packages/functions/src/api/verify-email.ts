import { confirmEmailChange, VerifyEmailInput } from "@media/core/account-security";
import { bearerToken, caller, clientIp, jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  caller(event);
  const { code } = jsonBody(event, VerifyEmailInput);
  const accessToken = bearerToken(event);
  const { accounts, security } = authServices();
  const { email: currentEmail } = await accounts.profile(accessToken);
  await confirmEmailChange(security, { accessToken, currentEmail, clientIp: clientIp(event), code });
  const { email } = await accounts.profile(accessToken);
  return { status: 200, body: { message: "Your email is changed; sign in with it from now on.", email } };
});
