import { deleteAccount, DeleteAccountInput } from "@media/core/account-deletion";
import { bearerToken, caller, clientIp, jsonBody, route } from "../http";
import { accountDataServices } from "../roots/account-data";

export const handler = route(async (event) => {
  const { userId } = caller(event);
  const input = jsonBody(event, DeleteAccountInput);
  const { accounts, deletion } = accountDataServices();
  const { email } = await accounts.profile(bearerToken(event));
  await deleteAccount(deletion, { userId, email, clientIp: clientIp(event), password: input.password, code: input.code });
  return { status: 204 };
});
