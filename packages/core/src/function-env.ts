/**
 * The names of the environment variables the functions read (packages/functions/src/config.ts parses
 * them), written once: the stacks set them on each Lambda (stacks/lambda.ts), the local runtime sets them
 * in its process (packages/local/src/runtime.ts).
 */
export const FUNCTION_ENV = {
  tableName: "TABLE_NAME",
  bucketName: "BUCKET_NAME",
  topicArn: "TOPIC_ARN",
  userPoolId: "USER_POOL_ID",
  userPoolClientId: "USER_POOL_CLIENT_ID",
  cursorSecret: "CURSOR_SECRET",
  maxFileBytes: "MAX_FILE_BYTES",
  quotaBytes: "QUOTA_BYTES",
  uploadExpiresSeconds: "UPLOAD_EXPIRES_SECONDS",
  urlExpiresSeconds: "URL_EXPIRES_SECONDS",
  codeEmailsPerClientPerHour: "CODE_EMAILS_PER_CLIENT_PER_HOUR",
  codeChecksPerClientPerHour: "CODE_CHECKS_PER_CLIENT_PER_HOUR",
  s3ForcePathStyle: "S3_FORCE_PATH_STYLE",
  jwks: "JWKS_JSON",
  /** The SES sender of the service's own notices (notices.ts); absent, no notice is sent. */
  noticeFrom: "NOTICE_FROM_EMAIL",
  /** Where that sender's SES identity is verified, when not the function's region. */
  noticeRegion: "NOTICE_SES_REGION",
  /**
   * Where a function writes its temporary files (the renditions' copies of originals and their encodes).
   * Unset on Lambda: its /tmp (os.tmpdir()), which a sandbox lost mid-invocation takes with it. The local
   * runtime runs every function in one process, so it gives a folder of its own that it empties at start.
   */
  scratchDir: "SCRATCH_DIR",
} as const;

export type FunctionSetting = keyof typeof FUNCTION_ENV;

/** Settings by what they hold → variables by name, leaving out the ones not given. */
export function functionEnvironment(values: Partial<Record<FunctionSetting, string>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [setting, value] of Object.entries(values) as Array<[FunctionSetting, string | undefined]>) if (value !== undefined) env[FUNCTION_ENV[setting]] = value;
  return env;
}
