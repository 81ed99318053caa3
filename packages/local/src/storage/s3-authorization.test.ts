import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalIam } from "../iam/local-iam";
import { startLocalS3, type LocalS3 } from "./s3-server";
import { createPresignedPost, S3, type S3ClientType, TEST_REGION } from "@media/testing/local-s3-storage";

/** The local storage authorizing each signed request against the signer's IAM policy, through the real SDK. */
const bucket = "media-iam";
const admin = { accessKeyId: "LOCALADMIN0000000001", secretAccessKey: "admin-secret" };
const iam = new LocalIam({
  admin,
  resources: { region: TEST_REGION, accountId: "000000000000", arns: { "AWS::S3::Bucket": `arn:aws:s3:::${bucket}` } },
  policies: {
    reader: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["${AWS::S3::Bucket}/users/*"] }],
    lister: [
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["${AWS::S3::Bucket}/users/*"] },
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["${AWS::S3::Bucket}"] },
    ],
    cleaner: [
      { Effect: "Allow", Action: ["s3:DeleteObject"], Resource: ["${AWS::S3::Bucket}/derived/*"] },
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["${AWS::S3::Bucket}"], Condition: { StringLike: { "s3:prefix": ["derived/*"] } } },
    ],
    uploader: [{ Effect: "Allow", Action: ["s3:PutObject"], Resource: ["${AWS::S3::Bucket}/users/*"] }],
    multipart: [{ Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"], Resource: ["${AWS::S3::Bucket}/users/*"] }],
  },
});
let dir: string;
let s3: LocalS3;
const clients: S3ClientType[] = [];
const as = (name: string) => {
  const client = new S3.S3Client({ region: TEST_REGION, endpoint: s3.endpoint, forcePathStyle: true, credentials: name === "admin" ? admin : iam.credentialsFor(name), maxAttempts: 1 });
  clients.push(client);
  return client;
};
const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const denied = (fn: string, action: string, resource: string) =>
  `User: arn:aws:sts::000000000000:assumed-role/media-local-${fn}/media-local-${fn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "s3-iam-"));
  s3 = await startLocalS3({ dataDir: dir, region: TEST_REGION, credentials: [], iam, buckets: [{ name: bucket }], log: { info: () => undefined, warn: () => undefined, error: () => undefined } });
  const owner = as("admin");
  for (const key of ["users/u/a", "derived/u/t", "derived/u/t2"]) await owner.send(new S3.PutObjectCommand({ Bucket: bucket, Key: key, Body: "x" }));
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("local storage under IAM", () => {
  it("serves what the signer's policy allows, and answers AccessDenied (403) with AWS's explanation otherwise", async () => {
    const reader = as("reader");
    expect((await reader.send(new S3.GetObjectCommand({ Bucket: bucket, Key: "users/u/a" }))).ContentLength).toBe(1);
    expect(await fail(reader.send(new S3.GetObjectCommand({ Bucket: bucket, Key: "derived/u/t" })))).toMatchObject({
      name: "AccessDenied",
      $metadata: { httpStatusCode: 403 },
      message: denied("reader", "s3:GetObject", `arn:aws:s3:::${bucket}/derived/u/t`),
    });
    expect(await fail(reader.send(new S3.PutObjectCommand({ Bucket: bucket, Key: "users/u/b", Body: "y" })))).toMatchObject({ name: "AccessDenied" });
  });

  it("answers a missing key with 403 to a reader without s3:ListBucket, and 404 to one with it", async () => {
    const missing = { Bucket: bucket, Key: "users/u/nothing" };
    expect(await fail(as("reader").send(new S3.GetObjectCommand(missing)))).toMatchObject({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
    expect(await fail(as("reader").send(new S3.HeadObjectCommand(missing)))).toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect(await fail(as("lister").send(new S3.GetObjectCommand(missing)))).toMatchObject({ name: "NoSuchKey", $metadata: { httpStatusCode: 404 } });
    expect(await fail(as("lister").send(new S3.HeadObjectCommand(missing)))).toMatchObject({ name: "NotFound", $metadata: { httpStatusCode: 404 } });
  });

  it("lists only under the prefix the s3:prefix condition allows, and deletes each key of a batch only where allowed", async () => {
    const cleaner = as("cleaner");
    const listed = await cleaner.send(new S3.ListObjectsV2Command({ Bucket: bucket, Prefix: "derived/u/" }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(["derived/u/t", "derived/u/t2"]);
    expect(await fail(cleaner.send(new S3.ListObjectsV2Command({ Bucket: bucket, Prefix: "users/" })))).toMatchObject({ name: "AccessDenied" });
    expect(await fail(cleaner.send(new S3.ListObjectsV2Command({ Bucket: bucket })))).toMatchObject({ name: "AccessDenied" });

    const out = await cleaner.send(new S3.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: "derived/u/t2" }, { Key: "users/u/a" }] } }));
    expect(out.Deleted?.map((d) => d.Key)).toEqual(["derived/u/t2"]);
    expect(out.Errors).toEqual([{ Key: "users/u/a", Code: "AccessDenied", Message: denied("cleaner", "s3:DeleteObject", `arn:aws:s3:::${bucket}/users/u/a`) }]);
    expect((await as("admin").send(new S3.HeadObjectCommand({ Bucket: bucket, Key: "users/u/a" }))).ContentLength).toBe(1);
  });

  it("refuses a browser POST whose policy was signed by a principal without s3:PutObject on the key", async () => {
    const post = async (signer: string, key: string) => {
      const { url, fields } = await createPresignedPost(as(signer) as never, { Bucket: bucket, Key: key, Expires: 60 });
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append("file", new Blob(["z"]), "z");
      return fetch(url, { method: "POST", body: form });
    };
    expect((await post("uploader", "users/u/new")).status).toBe(204);
    const refused = await post("reader", "users/u/other");
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain(denied("reader", "s3:PutObject", `arn:aws:s3:::${bucket}/users/u/other`));
    expect((await post("uploader", "derived/u/x")).status).toBe(403);
  });

  it("authorizes multipart calls as S3 does: s3:PutObject to create, send parts and complete; aborting and listing parts need their own actions", async () => {
    const uploader = as("uploader");
    const key = "users/u/multi";
    const { UploadId } = await uploader.send(new S3.CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const { ETag } = await uploader.send(new S3.UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: "p" }));
    const objectArn = `arn:aws:s3:::${bucket}/${key}`;
    expect(await fail(uploader.send(new S3.ListPartsCommand({ Bucket: bucket, Key: key, UploadId })))).toMatchObject({
      name: "AccessDenied",
      message: denied("uploader", "s3:ListMultipartUploadParts", objectArn),
    });
    expect(await fail(uploader.send(new S3.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })))).toMatchObject({
      name: "AccessDenied",
      message: denied("uploader", "s3:AbortMultipartUpload", objectArn),
    });
    expect(await fail(uploader.send(new S3.ListMultipartUploadsCommand({ Bucket: bucket })))).toMatchObject({
      message: denied("uploader", "s3:ListBucketMultipartUploads", `arn:aws:s3:::${bucket}`),
    });
    expect(await fail(as("reader").send(new S3.UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: "q" })))).toMatchObject({
      message: denied("reader", "s3:PutObject", objectArn),
    });
    expect(await fail(as("reader").send(new S3.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } })))).toMatchObject({
      message: denied("reader", "s3:PutObject", objectArn),
    });
    expect(await fail(as("multipart").send(new S3.CreateMultipartUploadCommand({ Bucket: bucket, Key: "derived/u/x" })))).toMatchObject({ name: "AccessDenied" });

    const multipart = as("multipart");
    expect((await multipart.send(new S3.ListPartsCommand({ Bucket: bucket, Key: key, UploadId }))).Parts?.map((p) => p.ETag)).toEqual([ETag]);
    await multipart.send(new S3.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
    expect(await s3.multipart.list(bucket)).toEqual([]);
  });
});
