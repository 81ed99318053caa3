import { confirmEmailChange, VerifyEmailInput } from "@media/core/account-security";
import { bearerToken, caller, clientIp, jsonBody, route } from "../http";
import { log } from "../log";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  caller(event);
  const { code } = jsonBody(event, VerifyEmailInput);
  const accessToken = bearerToken(event);
  const { accounts, security } = authServices();
  const { email: currentEmail } = await accounts.profile(accessToken);
  const { email, notice } = await confirmEmailChange(security, { accessToken, currentEmail, clientIp: clientIp(event), code });
  // The change stands either way; a lost notice is an operator's problem, reported by the error alarm.
  if (!notice.sent) log.error("email-change notice to the old address failed", { error: notice.error });
  return { status: 200, body: { message: "Your email is changed; sign in with it from now on.", email } };
});
