import type { SignInOutcome } from "./account-security";
import * as z from "zod/v4-mini";
import { emailAddress, maxChars, minChars, sized } from "./mini-schema";

/**
 * Account requests and the identity port. Cognito does the work on AWS; the local runtime embeds an
 * implementation of the same Cognito API, so one adapter serves both.
 */
const email = emailAddress(254);
const password = sized(1, 256);
const code = z.string().check(z.trim(), z.regex(/^\d{4,10}$/, "must be the numeric code from the email"));
const refreshToken = sized(1, 8192);

/**
 * A username: a display name that also signs in. It can never contain `@`, so a login identifier with
 * an `@` is an email and one without is a username. Compared exactly (case-sensitive), as Cognito's
 * ListUsers filter compares the `preferred_username` it is stored in.
 */
export const Username = z.string().check(z.trim(), minChars(1), maxChars(128), z.regex(/^[\p{L}\p{N}._-]+$/u, "may hold letters, digits, dot, dash and underscore"));

export function isUsername(value: string): boolean {
  return Username.safeParse(value).success;
}

export const SignUpInput = z.object({
  email,
  password,
  username: z.optional(Username),
});
export const ConfirmInput = z.object({ email, code });
export const ResendCodeInput = z.object({ email });
export const LoginInput = z
  .object({ email: z.optional(email), username: z.optional(z.string().check(z.trim(), minChars(1), maxChars(254))), password })
  .check(z.refine((v) => v.email !== undefined || v.username !== undefined, { message: "Give an email or a username.", path: ["email"] }));
export const RefreshInput = z.object({ refreshToken });
export const ForgotPasswordInput = z.object({ email });
export const ResetPasswordInput = z.object({ email, code, password });
export const LogoutInput = z.object({ refreshToken });

export type SignUpInput = z.infer<typeof SignUpInput>;
export type LoginInput = z.infer<typeof LoginInput>;

export interface Tokens {
  accessToken: string;
  idToken: string;
  refreshToken?: string;
  expiresIn: number;
}

export interface Accounts {
  signUp(input: SignUpInput): Promise<{ userId: string; confirmed: boolean }>;
  confirm(email: string, code: string): Promise<void>;
  resendCode(email: string): Promise<void>;
  login(usernameOrEmail: string, password: string): Promise<Tokens>;
  /** Like login, but an account with MFA on answers its challenge instead of failing (account-security.ts). */
  signIn(usernameOrEmail: string, password: string): Promise<SignInOutcome>;
  refresh(refreshToken: string): Promise<Tokens>;
  forgotPassword(email: string): Promise<void>;
  /** Sets the new password; answers whose account it was (its sub). */
  resetPassword(email: string, code: string, password: string): Promise<{ userId: string }>;
  /** The signed-in user's email, read with their access token (access tokens carry no email claim). */
  profile(accessToken: string): Promise<{ email: string }>;
  /** Revokes the refresh token and signs out every session of the access token's user. */
  logout(accessToken: string, refreshToken: string): Promise<void>;
  /** Revokes every refresh token of the user (an admin sign-out, for when the user's tokens are not at hand). */
  signOutEverywhere(userId: string): Promise<void>;
}

/** The login answer of the HTTP contract; `token` is the access token, kept for the original README's clients. */
export function loginResponse(tokens: Tokens, message: string) {
  return {
    message,
    token: tokens.accessToken,
    accessToken: tokens.accessToken,
    idToken: tokens.idToken,
    ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
    expiresIn: tokens.expiresIn,
    tokenType: "Bearer" as const,
  };
}
