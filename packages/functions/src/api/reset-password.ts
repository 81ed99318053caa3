import { ResetPasswordInput } from "@media/core/accounts";
import { resetPassword } from "@media/core/sessions";
import { jsonBody, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  await resetPassword(services().sessions, jsonBody(event, ResetPasswordInput));
  return { status: 200, body: { message: "Password changed; every session was signed out. You can log in with the new password." } };
});
