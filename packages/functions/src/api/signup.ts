import { SignUpInput } from "@media/core/accounts";
import { jsonBody, route } from "../http";
import { services } from "../services";

export const handler = route(async (event) => {
  const input = jsonBody(event, SignUpInput);
  const { userId, confirmed } = await services().accounts.signUp(input);
  const message = confirmed ? "User registered successfully." : "User registered successfully. Check your email for the confirmation code.";
  return { status: 201, body: { message, userId, confirmed } };
});
