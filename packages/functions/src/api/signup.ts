import { SignUpInput } from "@media/core/accounts";
import { beforeSendingCode } from "@media/core/code-limits";
import { clientIp, jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  const input = jsonBody(event, SignUpInput);
  // Sign-up mails a code to the address given: limited like every other code email.
  await beforeSendingCode(authServices().codeLimits, { email: input.email, clientIp: clientIp(event) });
  const { userId, confirmed } = await authServices().accounts.signUp(input);
  const message = confirmed ? "User registered successfully." : "User registered successfully. Check your email for the confirmation code.";
  return { status: 201, body: { message, userId, confirmed } };
});
