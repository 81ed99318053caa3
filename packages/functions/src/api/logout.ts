import { LogoutInput } from "@media/core/accounts";
import { bearerToken, caller, jsonBody, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  caller(event);
  const { refreshToken } = jsonBody(event, LogoutInput);
  await services().accounts.logout(bearerToken(event), refreshToken);
  return { status: 204 };
});
