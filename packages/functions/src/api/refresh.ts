import { RefreshInput, loginResponse } from "@media/core/accounts";
import { jsonBody, route } from "../http";
import { authServices } from "../roots/auth";

export const handler = route(async (event) => {
  const { refreshToken } = jsonBody(event, RefreshInput);
  const { refreshToken: _none, ...tokens } = await authServices().accounts.refresh(refreshToken);
  return { status: 200, body: loginResponse(tokens, "Token refreshed.") };
});
