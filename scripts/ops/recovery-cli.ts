import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { RecoveryResources, RecoveryServices } from "@media/functions/recovery-services";
import { envOf, type CliIo } from "./cli";
import { resolveDataDir } from "./local-data";

/**
 * What the recovery scripts share on their command line: the local runtime (default; `--data-dir`) or
 * AWS (`--aws`, with resource names from `--outputs .sst/outputs.json` or given one by one).
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const BACKEND_USAGE = `Local runtime (the default):
  --local                   operate on the local runtime's data
  --data-dir DIR            its DATA_DIR (default: $DATA_DIR, else .data); the runtime must be stopped
AWS (credentials and region from the usual AWS environment or profile):
  --aws                     operate on the deployed stage
  --outputs FILE            resource names from sst deploy's outputs file (.sst/outputs.json)
  --stack NAME              which stack of that file, when several match (a substring of its name)
  --table NAME --bucket NAME --user-pool-id ID
                            or the names one by one (they override the outputs file)
  --rendition-queue-url URL the renditions queue (output RenditionQueueUrl), where reindex asks for owed renditions
  --region REGION           otherwise AWS_REGION, else the user pool id's region
  The SDK's AWS_ENDPOINT_URL_<SERVICE> variables are honoured (with S3_FORCE_PATH_STYLE=true for an
  S3-compatible endpoint), as for the functions.
`;

export const BACKEND_OPTIONS = {
  local: { type: "boolean", default: false },
  "data-dir": { type: "string" },
  aws: { type: "boolean", default: false },
  outputs: { type: "string" },
  stack: { type: "string" },
  table: { type: "string" },
  bucket: { type: "string" },
  "user-pool-id": { type: "string" },
  "rendition-queue-url": { type: "string" },
  region: { type: "string" },
} as const;

export interface BackendFlags {
  local?: boolean;
  "data-dir"?: string;
  aws?: boolean;
  outputs?: string;
  stack?: string;
  table?: string;
  bucket?: string;
  "user-pool-id"?: string;
  "rendition-queue-url"?: string;
  region?: string;
}

export type Backend = { kind: "local"; dataDir: string; note?: string } | { kind: "aws"; resources: RecoveryResources };

export function wantsAws(flags: BackendFlags): boolean {
  return !!(flags.aws || flags.outputs || flags.table || flags.bucket || flags["user-pool-id"] || flags["rendition-queue-url"]);
}

export async function resolveBackend(flags: BackendFlags, needs: { userPool: boolean }, env: NodeJS.ProcessEnv = process.env): Promise<Backend> {
  const aws = wantsAws(flags);
  if (flags.local && aws) throw new UsageError("Choose either --local or the AWS options, not both.");
  if (!aws) {
    const { dataDir, note } = resolveDataDir(flags["data-dir"], env);
    if (!existsSync(dataDir)) throw new UsageError(`No local data at ${dataDir} (pass --data-dir, or set DATA_DIR as for npm start).`);
    return { kind: "local", dataDir, ...(note ? { note } : {}) };
  }
  const fromFile = flags.outputs ? await fromOutputs(flags.outputs, flags.stack) : {};
  const tableName = flags.table ?? fromFile.TableName;
  const bucketName = flags.bucket ?? fromFile.BucketName;
  const userPoolId = flags["user-pool-id"] ?? fromFile.UserPoolId;
  const renditionQueueUrl = flags["rendition-queue-url"] ?? fromFile.RenditionQueueUrl;
  const missing = [!tableName && "--table (TableName)", !bucketName && "--bucket (BucketName)", needs.userPool && !userPoolId && "--user-pool-id (UserPoolId)"].filter(Boolean);
  if (missing.length) throw new UsageError(`AWS needs ${missing.join(", ")}: pass them, or --outputs .sst/outputs.json.`);
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? userPoolId?.split("_")[0];
  if (!region) throw new UsageError("No AWS region: pass --region or set AWS_REGION.");
  return {
    kind: "aws",
    resources: {
      region,
      tableName: tableName!,
      bucketName: bucketName!,
      ...(userPoolId ? { userPoolId } : {}),
      ...(renditionQueueUrl ? { renditionQueueUrl } : {}),
      // As for the functions: path-style URLs for an S3-compatible endpoint (AWS_ENDPOINT_URL_S3) without per-bucket host names.
      ...(env.S3_FORCE_PATH_STYLE === "true" ? { s3ForcePathStyle: true } : {}),
    },
  };
}

/** A backend opened for a recovery script: its services, and how to close them. */
export interface OpenedRecovery {
  backend: Backend;
  services: RecoveryServices;
  close(): Promise<void>;
}

/**
 * Resolves the backend from the flags and opens its services: the local runtime's data (refused while the
 * runtime holds it), or the deployed stage's resources. Loaded on demand: both pull in the AWS SDK.
 */
export async function openRecovery(flags: BackendFlags, needs: { userPool: boolean }, io: CliIo): Promise<OpenedRecovery> {
  const backend = await resolveBackend(flags, needs, envOf(io));
  if (backend.kind === "local") {
    if (backend.note) io.stderr.write(`${backend.note}\n`);
    // Refused before the local servers and the SDK are loaded, so the answer comes at once while the
    // runtime runs (openLocalRecovery checks again, and then holds the lock).
    const { lockLocalData } = await import("./local-data");
    await (await lockLocalData(backend.dataDir)).release();
    const { openLocalRecovery } = await import("./local-recovery");
    const local = await openLocalRecovery(backend.dataDir, { cognito: needs.userPool, stderr: io.stderr });
    return { backend, services: local.services, close: local.close };
  }
  const { buildRecoveryServices } = await import("@media/functions/recovery-services");
  const services = buildRecoveryServices(backend.resources);
  return { backend, services, close: async () => services.close() };
}

/**
 * The named outputs from an outputs file (`{ "<stage>-<app>-<Stack>": { "TableName": … } }`): each name is
 * taken from the one stack that has it (several stacks with the same output need --stack).
 */
async function fromOutputs(file: string, stack: string | undefined): Promise<Record<string, string>> {
  let outputs: Record<string, Record<string, string>>;
  try {
    outputs = JSON.parse(await readFile(file, "utf8")) as Record<string, Record<string, string>>;
  } catch (error) {
    throw new UsageError(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const found: Record<string, string> = {};
  for (const name of ["TableName", "BucketName", "UserPoolId", "RenditionQueueUrl"]) {
    const holders = Object.entries(outputs).filter(([stackName, o]) => typeof o?.[name] === "string" && (!stack || stackName.includes(stack)));
    if (holders.length > 1) throw new UsageError(`${file}: several stacks have ${name} (${holders.map(([n]) => n).join(", ")}); pass --stack.`);
    if (holders.length === 1) found[name] = holders[0]![1][name]!;
  }
  return found;
}
