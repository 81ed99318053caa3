import { totpSwitchHandler } from "../totp-switch";

export const handler = totpSwitchHandler(true, {
  status: 200,
  body: { message: "MFA is on: sign-in now asks for a code from your app.", mfa: "SOFTWARE_TOKEN_MFA" },
});
