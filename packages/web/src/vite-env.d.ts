/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's base URL for a deployed site; empty or absent means same-origin. */
  readonly VITE_API_URL?: string;
  /** The per-file limit, when the deployment wants it checked before asking the API. */
  readonly VITE_MAX_FILE_BYTES?: string;
}
