import { apiClient } from "@media/testing/api-client";

/** Signs up, confirms (through the local outbox) and logs in `count` users, a few at a time; returns their tokens. */
export async function makeUsers(baseUrl: string, count: number, prefix: string, parallel = 4): Promise<Array<{ token: string; userId: string }>> {
  const api = apiClient(baseUrl);
  const users: Array<{ token: string; userId: string }> = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) {
        const i = next++;
        const { token, userId } = await api.signUpAndLogin(`${prefix}-${i}@bench.local`, `Bench-pass-${i}-Aa1!`);
        users[i] = { token, userId };
      }
    }),
  );
  return users;
}
