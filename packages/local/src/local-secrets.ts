import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Per-installation secrets of the local runtime (the storage credentials, the cursor key), made once
 * and kept in DATA_DIR so presigned URLs and cursors stay valid across restarts.
 */
export interface LocalSecrets {
  accessKeyId: string;
  secretAccessKey: string;
  cursorSecret: string;
}

export async function loadLocalSecrets(dataDir: string): Promise<LocalSecrets> {
  const file = join(dataDir, "secrets.json");
  try {
    return JSON.parse(await readFile(file, "utf8")) as LocalSecrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const secrets: LocalSecrets = {
    accessKeyId: `LOCAL${randomBytes(8).toString("hex").toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString("base64url"),
    cursorSecret: randomBytes(32).toString("base64url"),
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return secrets;
}
