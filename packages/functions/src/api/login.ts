import { mfaChallenge } from "@media/core/account-security";
import { LoginInput, loginResponse } from "@media/core/accounts";
import { jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  const input = jsonBody(event, LoginInput);
  const { accounts, security } = authServices();
  const outcome = await accounts.signIn(input.email ?? input.username!, input.password);
  if (outcome.kind === "mfa") return { status: 200, body: mfaChallenge(security, outcome) };
  return { status: 200, body: loginResponse(outcome.tokens, "Login successful.") };
});
