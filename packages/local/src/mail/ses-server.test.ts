import { SendEmailCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSesMailer } from "@media/functions/adapters/ses-mailer";
import { LocalIam } from "../iam/local-iam";
import { startLocalSes, type SentMail } from "./ses-server";

const admin = { accessKeyId: "local", secretAccessKey: "local-secret" };
const iam = LocalIam.adminOnly(admin);
const delivered: SentMail[] = [];
let ses: Awaited<ReturnType<typeof startLocalSes>>;
let client: SESv2Client;
const clientFor = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
  new SESv2Client({ region: "us-east-1", endpoint: ses.endpoint, credentials, maxAttempts: 1 });

beforeAll(async () => {
  ses = await startLocalSes({ iam, identities: ["no-reply@media.test", "notices.example"], deliver: async (m) => void delivered.push(m) });
  client = clientFor(admin);
});
afterAll(async () => {
  client.destroy();
  await ses.close();
});

const simple = (from: string, to: string[]) =>
  new SendEmailCommand({ FromEmailAddress: from, Destination: { ToAddresses: to }, Content: { Simple: { Subject: { Data: "Hello" }, Body: { Text: { Data: "Body ✓" } } } } });

describe("local SES (SendEmail)", () => {
  it("delivers the functions' adapter's mail from a verified address, one message per recipient", async () => {
    delivered.length = 0;
    await createSesMailer({ client, from: "Media storage <no-reply@media.test>" }).send({ to: "old@example.com", subject: "Changed", text: "Your email was changed ✓" });
    const answer = await client.send(simple("anyone@notices.example", ["a@example.com", "b@example.com"]));
    expect(answer.MessageId).toEqual(expect.any(String));
    expect(delivered).toEqual([
      { from: "Media storage <no-reply@media.test>", to: "old@example.com", subject: "Changed", text: "Your email was changed ✓" },
      { from: "anyone@notices.example", to: "a@example.com", subject: "Hello", text: "Body ✓" },
      { from: "anyone@notices.example", to: "b@example.com", subject: "Hello", text: "Body ✓" },
    ]);
  });

  it("refuses an unverified sender, a bad signature and an unknown key, delivering nothing", async () => {
    delivered.length = 0;
    await expect(client.send(simple("someone@elsewhere.example", ["a@example.com"]))).rejects.toMatchObject({ name: "MessageRejected", $metadata: { httpStatusCode: 400 } });
    const forged = clientFor({ accessKeyId: admin.accessKeyId, secretAccessKey: "wrong" });
    await expect(forged.send(simple("no-reply@media.test", ["a@example.com"]))).rejects.toMatchObject({ name: "InvalidSignatureException", $metadata: { httpStatusCode: 403 } });
    const stranger = clientFor({ accessKeyId: "AKIDUNKNOWN", secretAccessKey: "x" });
    await expect(stranger.send(simple("no-reply@media.test", ["a@example.com"]))).rejects.toMatchObject({ name: "UnrecognizedClientException" });
    forged.destroy();
    stranger.destroy();
    expect(delivered).toEqual([]);
  });

  it("refuses a message without recipients or text with a 400", async () => {
    await expect(client.send(simple("no-reply@media.test", []))).rejects.toMatchObject({ name: "BadRequestException", $metadata: { httpStatusCode: 400 } });
    const raw = new SendEmailCommand({ FromEmailAddress: "no-reply@media.test", Destination: { ToAddresses: ["a@example.com"] }, Content: { Raw: { Data: new Uint8Array([1]) } } });
    await expect(client.send(raw)).rejects.toMatchObject({ name: "BadRequestException" });
    expect(delivered).toEqual([]);
  });
});

describe("local SES: the caller's ses:SendEmail grant", () => {
  const identityArn = (identity: string) => `arn:\${AWS::Partition}:ses:\${AWS::Region}:\${AWS::AccountId}:identity/${identity}`;
  const granted = new LocalIam({
    admin,
    resources: { region: "us-east-1", accountId: "000000000000", arns: {} },
    policies: {
      // As the stacks grant it (stacks/lambda.ts): on the stage's sender identity, and nothing else.
      "api/verify-email": [{ Effect: "Allow", Action: ["ses:SendEmail"], Resource: [identityArn("no-reply@media.test")] }],
      "api/domain-sender": [{ Effect: "Allow", Action: ["ses:SendEmail"], Resource: [identityArn("notices.example")] }],
      "api/upload": [{ Effect: "Allow", Action: ["dynamodb:UpdateItem"], Resource: ["arn:aws:dynamodb:us-east-1:000000000000:table/media"] }],
    },
  });
  const mails: SentMail[] = [];
  let guarded: Awaited<ReturnType<typeof startLocalSes>>;
  const as = (fn: string) => new SESv2Client({ region: "us-east-1", endpoint: guarded.endpoint, credentials: granted.credentialsFor(fn), maxAttempts: 1 });

  beforeAll(async () => {
    guarded = await startLocalSes({ iam: granted, identities: ["no-reply@media.test", "notices.example"], deliver: async (m) => void mails.push(m) });
  });
  afterAll(() => guarded.close());

  it("refuses a caller without the grant on the sender's identity with SES's 403 AccessDeniedException, delivering nothing", async () => {
    const upload = as("api/upload");
    const refusal = upload.send(simple("no-reply@media.test", ["a@example.com"]));
    await expect(refusal).rejects.toMatchObject({ name: "AccessDeniedException", $metadata: { httpStatusCode: 403 } });
    await expect(refusal).rejects.toThrow(/media-local-api-upload is not authorized to perform: ses:SendEmail on resource: arn:aws:ses:us-east-1:000000000000:identity\/no-reply@media\.test/);
    // A grant on one identity is not a grant on another.
    const other = as("api/verify-email");
    await expect(other.send(simple("anyone@notices.example", ["a@example.com"]))).rejects.toMatchObject({ name: "AccessDeniedException" });
    upload.destroy();
    other.destroy();
    expect(mails).toEqual([]);
  });

  it("delivers for a caller granted ses:SendEmail on the identity the sender is verified as (address or domain)", async () => {
    const sender = as("api/verify-email");
    const byDomain = as("api/domain-sender");
    await sender.send(simple("no-reply@media.test", ["a@example.com"]));
    await byDomain.send(simple("anyone@notices.example", ["b@example.com"]));
    sender.destroy();
    byDomain.destroy();
    expect(mails.map((m) => [m.from, m.to])).toEqual([
      ["no-reply@media.test", "a@example.com"],
      ["anyone@notices.example", "b@example.com"],
    ]);
  });
});
