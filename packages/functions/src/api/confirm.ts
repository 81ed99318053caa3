import { ConfirmInput } from "@media/core/accounts";
import { jsonBody, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { email, code } = jsonBody(event, ConfirmInput);
  await services().accounts.confirm(email, code);
  return { status: 200, body: { message: "Account confirmed. You can log in now." } };
});
