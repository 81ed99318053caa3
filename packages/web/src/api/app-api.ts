import type { FilePatch, MediaClient, Session } from "@media/client";
import { errorFromThrown } from "./errors";

/**
 * The calls the screens make, on the one client (@media/client): every request, renewal and upload goes
 * through it. What this adds is the app's side only: failures rethrown as AppErrors in people's words
 * (errors.ts), and the argument shapes the screens use.
 */
export class AppApi {
  constructor(readonly client: MediaClient) {}

  // Accounts (no token)
  signUp(input: { email: string; password: string; username?: string }) {
    return friendly(this.client.signUp(input));
  }
  confirm(email: string, code: string) {
    return friendly(this.client.confirm({ email, code }));
  }
  resendCode(email: string) {
    return friendly(this.client.resendCode(email));
  }
  /** Signs in (the client keeps and renews the session from now on). By email, or by display name (no "@"). */
  login(emailOrUsername: string, password: string): Promise<Session> {
    return friendly(this.client.login(emailOrUsername, password));
  }
  forgotPassword(email: string) {
    return friendly(this.client.account.forgotPassword(email));
  }
  resetPassword(email: string, code: string, password: string) {
    return friendly(this.client.account.resetPassword({ email, code, password }));
  }

  // Library (token)
  me() {
    return friendly(this.client.me());
  }
  list(query: { limit?: number; cursor?: string | undefined; type?: "image" | "audio" | undefined; q?: string | undefined }, signal?: AbortSignal) {
    const { limit, cursor, type, q } = query;
    return friendly(this.client.page({ ...(limit ? { pageSize: limit } : {}), ...(type ? { type } : {}), ...(q ? { q } : {}), cursor }, signal));
  }
  getFile(fileId: string, signal?: AbortSignal) {
    return friendly(this.client.getFile(fileId, signal));
  }
  updateFile(fileId: string, patch: FilePatch) {
    return friendly(this.client.updateFile(fileId, patch));
  }
  deleteFile(fileId: string) {
    return friendly(this.client.deleteFile(fileId));
  }

  // Share links (token)
  shareFile(fileId: string, expiresInSeconds: number) {
    return friendly(this.client.share(fileId, { expiresInSeconds }));
  }
  listShares(fileId: string) {
    return friendly(this.client.shares(fileId));
  }
  revokeShare(fileId: string, shareId: string) {
    return friendly(this.client.revokeShare(fileId, shareId));
  }
}

/** The same promise, its failure rethrown as an AppError (or AbortedError) the screens can show. */
export async function friendly<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw errorFromThrown(error);
  }
}
