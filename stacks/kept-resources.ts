/**
 * The data-holding resources a removed `prod` stage leaves behind (its table, media bucket, user pool and
 * cursor secret are retained: see settings.ts), re-attached by a later deploy of the stage instead of
 * created anew. Each is named in the stage's `.env.<stage>` from the last deploy's outputs:
 *
 *   KEPT_TABLE_NAME=prod-media-storage-Files          (TableName)
 *   KEPT_BUCKET_NAME=prod-media-storage-storage-mediabucket-…   (BucketName)
 *   KEPT_USER_POOL_ID=us-east-1_AbCdEf123             (UserPoolId)
 *   KEPT_CURSOR_SECRET_ARN=arn:aws:secretsmanager:…:secret:CursorSecret…-AbCdEf
 *
 * Without KEPT_TABLE_NAME the deploy fails: SST names the table after the stage, and the kept table holds
 * that name. The others would only be created empty under new names, leaving the data behind.
 *
 * What an attached resource keeps is what it had: the stack cannot change its settings (the bucket's CORS
 * rules and logging, the pool's password policy, MFA and email sender, the table's indexes), since
 * CloudFormation does not own it any more. The stack still adds what lives outside it: the bucket's event
 * notifications, the pool's app client, every grant.
 */
export interface KeptResources {
  tableName?: string;
  bucketName?: string;
  userPoolId?: string;
  cursorSecretArn?: string;
}

type Env = Record<string, string | undefined>;

/** Each setting: its variable and what a valid value looks like (as AWS names them). */
const KEPT: Record<keyof KeptResources, { variable: string; pattern: RegExp; example: string }> = {
  tableName: { variable: "KEPT_TABLE_NAME", pattern: /^[A-Za-z0-9_.-]{3,255}$/, example: "prod-media-storage-Files" },
  bucketName: { variable: "KEPT_BUCKET_NAME", pattern: /^(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, example: "a bucket name" },
  userPoolId: { variable: "KEPT_USER_POOL_ID", pattern: /^[a-z]{2}(-[a-z]+)+-\d_[0-9A-Za-z]+$/, example: "us-east-1_AbCdEf123" },
  cursorSecretArn: {
    variable: "KEPT_CURSOR_SECRET_ARN",
    // The complete ARN (with the 6-character suffix): a partial one cannot be read by a dynamic reference.
    pattern: /^arn:aws[\w-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+-[A-Za-z0-9]{6}$/,
    example: "arn:aws:secretsmanager:us-east-1:123456789012:secret:CursorSecret-AbCdEf",
  },
};

export const KEPT_VARIABLES = Object.values(KEPT).map((k) => k.variable);

/** The kept resources a stage names; a malformed value fails the synthesis with the variable's name. */
export function keptResources(env: Env, isProd: boolean): KeptResources {
  const kept: KeptResources = {};
  for (const [key, { variable, pattern, example }] of Object.entries(KEPT) as [keyof KeptResources, (typeof KEPT)[keyof KeptResources]][]) {
    const value = env[variable]?.trim();
    if (value === undefined || value === "") continue;
    if (!pattern.test(value)) throw new Error(`${variable}: "${value}" is not valid (e.g. ${example})`);
    kept[key] = value;
  }
  // Only prod retains anything: elsewhere `sst remove` deletes the data, so there is nothing to attach.
  if (!isProd && Object.keys(kept).length > 0) {
    throw new Error(`${KEPT_VARIABLES.join(", ")} only apply to the prod stage (other stages keep nothing when removed)`);
  }
  return kept;
}
