import { RemovalPolicy } from "aws-cdk-lib";
import { DEFAULT_LIMITS } from "@media/core/limits";
import { keptResources, type KeptResources } from "./kept-resources";

/**
 * What differs between stages, read once per synthesis from the environment and the stage name. SST
 * (sst/project.js, initProject) loads `.env`, `.env.local`, `.env.<stage>` and `.env.<stage>.local` from
 * the project root into the environment before the stacks run, each file overriding the shell and the
 * one before it: a stage's settings live in its `.env.<stage>` (see .env.example), so every deploy of it,
 * from any shell or from CI, gets the same alarm email, domain and limits.
 * A bad value fails the synthesis with the variable's name instead of deploying something odd.
 */
export interface StageSettings {
  /** The production stage keeps its data (table, bucket, user pool) when the stack goes away. */
  isProd: boolean;
  /** For the resources that hold users' data: RETAIN in prod, DESTROY elsewhere. */
  dataRemovalPolicy: RemovalPolicy;
  /** Exact origins (scheme://host[:port], no path) the browser app is served from; CORS allows only these. */
  webOrigins: string[];
  /** Passed to the functions that enforce them; absent values fall back to the defaults of `@media/core/limits`. */
  limits: { maxFileBytes: number; quotaBytes: number; uploadExpiresSeconds?: number };
  /** ALERTS_EMAIL: who the alarms email (a subscription they must confirm); none when unset. */
  alertsEmail?: string;
  /**
   * WEB_CERTIFICATE_ARN: an ACM certificate (in us-east-1, as CloudFront requires) covering the hosts of
   * WEB_ORIGIN; with it the site's distribution answers on those hosts. Without it the site is served on
   * its CloudFront domain only.
   */
  webCertificateArn?: string;
  /**
   * SES_FROM_EMAIL (with SES_FROM_NAME, SES_IDENTITY, SES_REGION): Cognito sends its codes through SES from
   * this address. Without it Cognito's own sender is used, which allows a handful of emails a day.
   */
  email?: SesEmail;
  /**
   * API_DOMAIN with API_CERTIFICATE_ARN: the API answers on this host (share links then carry it, since the
   * functions build them from the host a request arrived at). The certificate is a regional one, in the
   * stage's region, as API Gateway's regional endpoints require.
   */
  apiDomain?: { domainName: string; certificateArn: string };
  /** KEPT_*: the retained resources of a removed prod stage that this deploy re-attaches (kept-resources.ts). */
  kept: KeptResources;
}

/** The arguments of Cognito's `UserPoolEmail.withSES`, from the stage's settings. */
export interface SesEmail {
  fromEmail: string;
  fromName?: string;
  /** The SES identity when it is the address's domain; absent, the address itself is the verified identity. */
  sesVerifiedDomain?: string;
  /** Where the identity is verified, when not the stage's region (Cognito then sends from there). */
  sesRegion?: string;
}

export const PROD_STAGE = "prod";
/** Where `npm start` serves the web app: the default origin of every stage but prod. */
export const DEV_WEB_ORIGIN = "http://localhost:3000";

type Env = Record<string, string | undefined>;

export function stageSettings(stage: string, env: Env = process.env): StageSettings {
  const isProd = stage === PROD_STAGE;
  const limits: StageSettings["limits"] = {
    maxFileBytes: positiveInt(env, "MAX_FILE_BYTES") ?? DEFAULT_LIMITS.maxFileBytes,
    quotaBytes: positiveInt(env, "QUOTA_BYTES") ?? DEFAULT_LIMITS.quotaBytes,
  };
  if (limits.maxFileBytes > limits.quotaBytes) {
    throw new Error(`MAX_FILE_BYTES (${limits.maxFileBytes}) is larger than QUOTA_BYTES (${limits.quotaBytes})`);
  }
  const uploadExpiresSeconds = positiveInt(env, "UPLOAD_EXPIRES_SECONDS");
  if (uploadExpiresSeconds !== undefined) {
    // An upload policy must not outlive 15 minutes (the functions refuse more, and so do we, earlier).
    if (uploadExpiresSeconds > 15 * 60) throw new Error("UPLOAD_EXPIRES_SECONDS must be at most 900");
    limits.uploadExpiresSeconds = uploadExpiresSeconds;
  }
  const settings: StageSettings = {
    isProd,
    dataRemovalPolicy: isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    webOrigins: webOrigins(env.WEB_ORIGIN, isProd),
    limits,
    kept: keptResources(env, isProd),
  };
  const alertsEmail = optional(env, "ALERTS_EMAIL");
  if (alertsEmail !== undefined) {
    // SNS accepts any string and the confirmation mail then goes nowhere: refuse the obvious typos here.
    if (!isEmail(alertsEmail)) throw new Error(`ALERTS_EMAIL: "${alertsEmail}" is not an email address`);
    settings.alertsEmail = alertsEmail;
  }
  const email = sesEmail(env);
  if (email !== undefined) settings.email = email;
  const certificateArn = optional(env, "WEB_CERTIFICATE_ARN");
  if (certificateArn !== undefined) {
    if (!/^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
      throw new Error(`WEB_CERTIFICATE_ARN: "${certificateArn}" is not an ACM certificate ARN in us-east-1 (CloudFront only uses certificates from there)`);
    }
    // The certificate is for the site's own hosts: without WEB_ORIGIN there is no host to serve it on.
    if (optional(env, "WEB_ORIGIN") === undefined) throw new Error("WEB_CERTIFICATE_ARN needs WEB_ORIGIN (the https origins it covers)");
    if (settings.webOrigins.some((o) => !o.startsWith("https://"))) throw new Error("WEB_CERTIFICATE_ARN: every WEB_ORIGIN must then be https");
    settings.webCertificateArn = certificateArn;
  }
  const apiDomain = apiDomainSetting(env);
  if (apiDomain !== undefined) settings.apiDomain = apiDomain;
  return settings;
}

/** The hosts of the web origins, which a site distribution with a certificate answers on. */
export function webHosts(settings: StageSettings): string[] {
  return settings.webOrigins.map((origin) => new URL(origin).hostname);
}

function isEmail(value: string): boolean {
  return /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/.test(value);
}

function sesEmail(env: Env): SesEmail | undefined {
  const fromEmail = optional(env, "SES_FROM_EMAIL");
  const others = ["SES_FROM_NAME", "SES_IDENTITY", "SES_REGION"].filter((name) => optional(env, name) !== undefined);
  if (fromEmail === undefined) {
    // A half-configured SES would silently keep Cognito's sender and its daily handful of emails.
    if (others.length > 0) throw new Error(`${others.join(", ")} need SES_FROM_EMAIL (the address Cognito sends from)`);
    return undefined;
  }
  if (!isEmail(fromEmail)) throw new Error(`SES_FROM_EMAIL: "${fromEmail}" is not an email address`);
  const email: SesEmail = { fromEmail };
  const fromName = optional(env, "SES_FROM_NAME");
  if (fromName !== undefined) email.fromName = fromName;
  const identity = optional(env, "SES_IDENTITY");
  if (identity !== undefined && identity !== fromEmail) {
    // Cognito sends as the identity's ARN: a domain identity covers only addresses of that domain.
    if (identity !== fromEmail.split("@")[1]) {
      throw new Error(`SES_IDENTITY: "${identity}" must be SES_FROM_EMAIL itself or its domain (${fromEmail.split("@")[1]})`);
    }
    email.sesVerifiedDomain = identity;
  }
  const sesRegion = optional(env, "SES_REGION");
  if (sesRegion !== undefined) {
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(sesRegion)) throw new Error(`SES_REGION: "${sesRegion}" is not an AWS region`);
    email.sesRegion = sesRegion;
  }
  return email;
}

function apiDomainSetting(env: Env): StageSettings["apiDomain"] {
  const domainName = optional(env, "API_DOMAIN");
  const certificateArn = optional(env, "API_CERTIFICATE_ARN");
  if (domainName === undefined && certificateArn === undefined) return undefined;
  // API Gateway serves a custom domain only with a certificate, and a certificate alone names no host.
  if (domainName === undefined || certificateArn === undefined) throw new Error("API_DOMAIN and API_CERTIFICATE_ARN go together");
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domainName)) {
    throw new Error(`API_DOMAIN: "${domainName}" is not a lower-case host name like api.media.example.com`);
  }
  if (!/^arn:aws[\w-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
    throw new Error(`API_CERTIFICATE_ARN: "${certificateArn}" is not an ACM certificate ARN`);
  }
  return { domainName, certificateArn };
}

/** The region of an ACM certificate ARN. */
export function certificateRegion(certificateArn: string): string {
  return certificateArn.split(":")[3]!;
}

function optional(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === "" ? undefined : raw;
}

function webOrigins(value: string | undefined, isProd: boolean): string[] {
  if (value === undefined || value.trim() === "") {
    // Production must name its origin: a localhost default there would be a CORS rule nobody meant.
    if (isProd) throw new Error(`WEB_ORIGIN must be set for the ${PROD_STAGE} stage (e.g. https://media.example.com)`);
    return [DEV_WEB_ORIGIN];
  }
  const origins = value.split(",").map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    // Browsers send the bare origin; S3 and API Gateway compare it literally, so a path or a trailing
    // slash would silently never match.
    if (!/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(origin)) {
      throw new Error(`WEB_ORIGIN: "${origin}" is not an origin like https://media.example.com`);
    }
    if (isProd && !origin.startsWith("https://")) throw new Error(`WEB_ORIGIN: the ${PROD_STAGE} stage needs https origins, got "${origin}"`);
  }
  return origins;
}

function positiveInt(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
