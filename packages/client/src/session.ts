import type { TokensResponse } from "@media/core/contract/responses";

/** What a signed-in client keeps: enough to call the API and to renew the access token by itself. */
export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds at which the access token stops working. */
  expiresAt: number;
}

/** Renew this long before the token's end, so a request in flight does not arrive with a dead token. */
export const REFRESH_MARGIN_MS = 60_000;

export function sessionFrom(tokens: TokensResponse, now: number, previous?: Session): Session {
  const refreshToken = tokens.refreshToken ?? previous?.refreshToken;
  if (!refreshToken) throw new Error("The API answered without a refresh token.");
  return { accessToken: tokens.accessToken, refreshToken, expiresAt: now + tokens.expiresIn * 1000 };
}

export function needsRefresh(session: Session, now: number): boolean {
  return session.expiresAt - REFRESH_MARGIN_MS <= now;
}
