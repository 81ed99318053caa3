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
