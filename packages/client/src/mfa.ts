import type { TokensResponse } from "@media/core/contract/responses";
import type { Session } from "./session";
import type { Transport } from "./transport";

/** `POST /login`'s answer for an account with MFA on (MfaChallengeSchema): no tokens yet. */
export interface MfaChallengeResponse {
  message: string;
  challenge: "SOFTWARE_TOKEN_MFA";
  session: string;
}

/** Asked for the authenticator app's code when a login is challenged; may ask a person, so it may be async. */
export type MfaCodeProvider = (challenge: MfaChallenge) => string | Promise<string>;

/**
 * A login that needs the authenticator app's code. `respond` sends it to `POST /login/mfa` and, on
 * success, keeps the session exactly as a plain login does. The challenge lives 3 minutes (Cognito's);
 * a wrong code can be answered again while it lives.
 */
export class MfaChallenge {
  readonly type = "SOFTWARE_TOKEN_MFA";
  constructor(
    private readonly transport: Transport,
    readonly message: string,
    /** The opaque challenge session (not a Session): what `POST /login/mfa` needs besides the code. */
    readonly challengeSession: string,
  ) {}

  async respond(code: string): Promise<Session> {
    const tokens = await this.transport.json<TokensResponse>("POST", "/login/mfa", { auth: false, json: { session: this.challengeSession, code: code.trim() } });
    return this.transport.adoptTokens(tokens);
  }
}

export function isMfaChallenge(body: TokensResponse | MfaChallengeResponse): body is MfaChallengeResponse {
  return "challenge" in body && body.challenge === "SOFTWARE_TOKEN_MFA";
}
