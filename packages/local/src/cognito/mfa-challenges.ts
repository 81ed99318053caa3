import { randomBytes } from "node:crypto";

/**
 * Sign-ins that passed the password and wait for a TOTP code: Cognito hands the client an opaque
 * `Session` with the SOFTWARE_TOKEN_MFA challenge and accepts it in RespondToAuthChallenge for 3 minutes
 * (the app client's authSessionValidity, the Auth stack's setting). Kept in memory: a restart loses them
 * as a lost session would be, and the person signs in again.
 */
export const MFA_SESSION_MS = 3 * 60_000;
/** How many live challenges are kept at most; the oldest go first. */
const KEEP = 10_000;

interface Challenge {
  sub: string;
  clientId: string;
  expiresAt: number;
}

export class MfaChallenges {
  private readonly open = new Map<string, Challenge>();

  start(sub: string, clientId: string, now: number) {
    for (const [key, challenge] of this.open) if (challenge.expiresAt <= now) this.open.delete(key);
    if (this.open.size >= KEEP) this.open.delete(this.open.keys().next().value!);
    const session = randomBytes(96).toString("base64url");
    this.open.set(session, { sub, clientId, expiresAt: now + MFA_SESSION_MS });
    return { ChallengeName: "SOFTWARE_TOKEN_MFA" as const, Session: session, ChallengeParameters: { USER_ID_FOR_SRP: sub } };
  }

  /** The challenge a session stands for while it lives; undefined once expired, answered or unknown. */
  find(session: string, now: number): Challenge | undefined {
    const challenge = this.open.get(session);
    if (!challenge) return undefined;
    if (challenge.expiresAt <= now) {
      this.open.delete(session);
      return undefined;
    }
    return challenge;
  }

  end(session: string): void {
    this.open.delete(session);
  }
}
