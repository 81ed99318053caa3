import { ResetPasswordInput } from "@media/core/accounts";
import { jsonBody, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const { email, code, password } = jsonBody(event, ResetPasswordInput);
  await services().accounts.resetPassword(email, code, password);
  return { status: 200, body: { message: "Password changed. You can log in with the new password." } };
});
