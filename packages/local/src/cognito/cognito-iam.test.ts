import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminGetUserCommand, CognitoIdentityProviderClient, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalIam } from "../iam/local-iam";
import { startLocalCognito, type LocalCognito } from "./cognito-server";
import { TEST_CLIENT_ID, TEST_POOL_ID, TEST_REGION } from "@media/testing/local-cognito-pool";

/** The pool's IAM-authorized operations, signed and authorized as Cognito does, through the real SDK. */
const admin = { accessKeyId: "LOCALADMINKEY0000001", secretAccessKey: "admin-secret" };
const poolArn = `arn:aws:cognito-idp:${TEST_REGION}:000000000000:userpool/${TEST_POOL_ID}`;
const iam = new LocalIam({
  admin,
  resources: { region: TEST_REGION, accountId: "000000000000", arns: { "AWS::Cognito::UserPool": poolArn } },
  policies: { lister: [{ Effect: "Allow", Action: ["cognito-idp:ListUsers"], Resource: ["${AWS::Cognito::UserPool}"] }] },
});
let dir: string;
let cognito: LocalCognito;
const clients: CognitoIdentityProviderClient[] = [];
const clientFor = (credentials: { accessKeyId: string; secretAccessKey: string }) => {
  const client = new CognitoIdentityProviderClient({ region: TEST_REGION, endpoint: cognito.endpoint, credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
};
const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cognito-iam-"));
  cognito = await startLocalCognito({ iam, dataDir: dir, region: TEST_REGION, userPoolId: TEST_POOL_ID, clientId: TEST_CLIENT_ID });
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await cognito?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("local Cognito's IAM-authorized operations", () => {
  it("answer a signer whose policy allows the action, and refuse others with AccessDeniedException", async () => {
    const lister = clientFor(iam.credentialsFor("lister"));
    expect((await lister.send(new ListUsersCommand({ UserPoolId: TEST_POOL_ID }))).Users).toEqual([]);
    expect(await fail(lister.send(new AdminGetUserCommand({ UserPoolId: TEST_POOL_ID, Username: "a@example.com" })))).toMatchObject({
      name: "AccessDeniedException",
      $metadata: { httpStatusCode: 400 },
      message: `User: arn:aws:sts::000000000000:assumed-role/media-local-lister/media-local-lister is not authorized to perform: cognito-idp:AdminGetUser on resource: ${poolArn} because no identity-based policy allows the cognito-idp:AdminGetUser action`,
    });
    expect(await fail(clientFor(admin).send(new AdminGetUserCommand({ UserPoolId: TEST_POOL_ID, Username: "a@example.com" })))).toMatchObject({ name: "UserNotFoundException" });
  });

  it("check the SigV4 signature, not only its look", async () => {
    const list = new ListUsersCommand({ UserPoolId: TEST_POOL_ID });
    expect(await fail(clientFor({ ...admin, secretAccessKey: "wrong" }).send(list))).toMatchObject({ name: "InvalidSignatureException", $metadata: { httpStatusCode: 400 } });
    expect(await fail(clientFor({ accessKeyId: "AKIDNOBODY", secretAccessKey: "x" }).send(list))).toMatchObject({ name: "UnrecognizedClientException" });
    const forged = await fetch(cognito.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSCognitoIdentityProviderService.ListUsers",
        "x-amz-date": "20260101T000000Z",
        authorization: `AWS4-HMAC-SHA256 Credential=${admin.accessKeyId}/20260101/${TEST_REGION}/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`,
      },
      body: JSON.stringify({ UserPoolId: TEST_POOL_ID }),
    });
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ __type: "InvalidSignatureException" });
  });
});
