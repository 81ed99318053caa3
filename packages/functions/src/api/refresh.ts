import { RefreshInput, loginResponse } from "@media/core/accounts";
import { jsonBody, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { refreshToken } = jsonBody(event, RefreshInput);
  const { refreshToken: _none, ...tokens } = await services().accounts.refresh(refreshToken);
  return { status: 200, body: loginResponse(tokens, "Token refreshed.") };
});
