import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { PASSWORD_POLICY } from "@media/core/password-policy";
import { InvalidPassword } from "./cognito-errors";

/**
 * The pool's password policy (core/password-policy.ts, which the Auth stack sets on Cognito) and how
 * passwords are kept. Cognito reports the first unmet rule, with these words.
 */

// Cognito's symbol set: ^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + - and the space.
const SYMBOL = /[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+\- ]/;

export function checkPasswordPolicy(password: string): void {
  const broken = (rule: string) => InvalidPassword(`Password did not conform with policy: ${rule}`);
  if ([...password].length < PASSWORD_POLICY.minLength) throw broken("Password not long enough");
  if (PASSWORD_POLICY.requireLowercase && !/[a-z]/.test(password)) throw broken("Password must have lowercase characters");
  if (PASSWORD_POLICY.requireUppercase && !/[A-Z]/.test(password)) throw broken("Password must have uppercase characters");
  if (PASSWORD_POLICY.requireDigits && !/[0-9]/.test(password)) throw broken("Password must have numeric characters");
  if (PASSWORD_POLICY.requireSymbols && !SYMBOL.test(password)) throw broken("Password must have symbol characters");
}

// scrypt with a per-user salt; N=2^14, r=8, p=1 is node's default cost (16 MiB, tens of milliseconds).
const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize("NFC"), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash` with base64url parts: the cost travels with the hash, so it can change later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, PARAMS);
  return ["scrypt", PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await scrypt(password, Buffer.from(salt, "base64url"), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

let decoy: Promise<string> | undefined;

/**
 * Checks the password against a hash nobody knows. Run when the user does not exist, so that an unknown
 * user costs the same time as a wrong password and timing cannot tell which emails have accounts.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  decoy ??= hashPassword(randomBytes(24).toString("base64url"));
  await verifyPassword(password, await decoy);
}
