import { generateSecret, verify } from "otplib";

/**
 * Cognito's software-token (TOTP) MFA as the local pool keeps it: RFC 6238 with authenticator apps'
 * parameters (SHA-1, 6 digits, 30-second steps), checked by otplib. A code is accepted one step either
 * side of now, for clocks that drift, and each step's code once only: Cognito refuses a code already
 * used, so a code seen over someone's shoulder cannot sign in a second time.
 */
export interface SoftwareToken {
  /** Base32, as AssociateSoftwareToken hands it out (`SecretCode`). */
  secret: string;
  /** Whether VerifySoftwareToken has proved the user's app holds the secret. */
  verified: boolean;
  /** Whether sign-in asks for a code (SetUserMFAPreference). */
  enabled: boolean;
  /** The time step of the last code accepted; that step and earlier ones are refused. */
  lastTimeStep?: number;
}

const TOLERANCE_SECONDS = 30;

export function newSoftwareToken(): SoftwareToken {
  // 20 bytes, the size of a SHA-1 key (RFC 4226 recommends 160 bits); Cognito's secrets are 32 base32 letters.
  return { secret: generateSecret({ length: 20 }), verified: false, enabled: false };
}

export type CodeCheck = "valid" | "wrong" | "reused";

/** Checks `code` at `nowMs`; a valid one is remembered so it cannot be used again. */
export async function checkSoftwareTokenCode(token: SoftwareToken, code: string, nowMs: number): Promise<CodeCheck> {
  if (!/^\d{6}$/.test(code)) return "wrong";
  const result = await verify({ secret: token.secret, token: code, epoch: Math.floor(nowMs / 1000), epochTolerance: TOLERANCE_SECONDS });
  if (!result.valid) return "wrong";
  if (!("timeStep" in result) || typeof result.timeStep !== "number") return "wrong";
  if (token.lastTimeStep !== undefined && result.timeStep <= token.lastTimeStep) return "reused";
  token.lastTimeStep = result.timeStep;
  return "valid";
}
