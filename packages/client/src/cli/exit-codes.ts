/** What `media` exits with, for scripts: each failure kind its own number. */
export const EXIT = {
  ok: 0,
  /** Refused or not found (for several files: some were, the rest was done). */
  refused: 1,
  /** A wrong command line. */
  usage: 2,
  /** Not signed in, or the credentials were refused. */
  auth: 3,
  /** The API or the network failed. */
  unavailable: 4,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
