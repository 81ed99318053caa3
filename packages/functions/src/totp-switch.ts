import { switchTotp, TotpCodeInput } from "@media/core/account-security";
import { bearerToken, caller, clientIp, jsonBody, route, type Reply } from "./http";
import { authServices } from "./roots/auth";

/**
 * `POST /me/mfa/totp/verify` and `DELETE /me/mfa`: one handler but for the direction and the answer.
 * The code is counted against the caller's own address, read from the pool with their token.
 */
export function totpSwitchHandler(on: boolean, reply: Reply) {
  return route(async (event) => {
    caller(event);
    const { code } = jsonBody(event, TotpCodeInput);
    const accessToken = bearerToken(event);
    const { accounts, security } = authServices();
    const { email } = await accounts.profile(accessToken);
    await switchTotp(security, { accessToken, email, clientIp: clientIp(event), code, on });
    return reply;
  });
}
