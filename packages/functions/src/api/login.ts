import { LoginInput, loginResponse } from "@media/core/accounts";
import { jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  const input = jsonBody(event, LoginInput);
  const tokens = await authServices().accounts.login(input.email ?? input.username!, input.password);
  return { status: 200, body: loginResponse(tokens, "Login successful.") };
});
