import { createHmac } from "node:crypto";
import committed from "./function-policies.json" with { type: "json" };
import { Policy, type AuthorizationRequest, type PolicyStatement } from "./policy";

/**
 * The local runtime's IAM: each function its own principal with its own access key, holding the policy
 * its role has in the synthesized stacks (function-policies.json, see stacks/local-policies.ts), and
 * one admin key for the operator's scripts and the tests' own set-up calls. The local endpoints look the
 * signer's access key up here and ask whether its policy allows the call, so a call the stacks do not
 * grant fails locally as it would on AWS, instead of on the first deploy.
 *
 * Function keys are derived from the admin secret (HMAC per function name), so they stay the same across
 * restarts, as the presigned URLs signed with them must, and need no file of their own.
 */
export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The ARNs that the policies' `${AWS::…}` placeholders stand for, and the pseudo parameters. */
export interface LocalResources {
  region: string;
  accountId: string;
  /** By CloudFormation type: `AWS::S3::Bucket` → `arn:aws:s3:::media-local`, … */
  arns: Record<string, string>;
  /**
   * Per function, types whose resource is not the shared one: the renditions function's
   * `${AWS::SQS::Queue}` is its own queue, not the index queue.
   */
  functionArns?: Record<string, Record<string, string>>;
}

/** The condition keys the local endpoints put into a request's context (anything else is refused at load). */
export const CONDITION_KEYS = ["s3:prefix"] as const;

export type FunctionPolicies = Record<string, readonly PolicyStatement[]>;

export interface Principal {
  /** The function's module (`api/upload`), or `admin`. */
  name: string;
  /** As AWS names a Lambda function's caller in its messages: its role's assumed-role session. */
  arn: string;
  policy: Policy | "admin";
}

export type AuthorizationResult = { allowed: true; principal: Principal } | { allowed: false; principal: Principal; message: string };

/** Plain data (structured-cloneable): a thread of the runtime builds the same IAM from it (dynamo-front.ts). */
export interface LocalIamOptions {
  admin: AccessKey;
  resources: LocalResources;
  policies?: FunctionPolicies;
}

export class LocalIam {
  private readonly byKey = new Map<string, { key: AccessKey; principal: Principal }>();
  private readonly byName = new Map<string, AccessKey>();
  readonly region: string;
  readonly accountId: string;

  constructor(readonly options: LocalIamOptions) {
    const { admin, resources } = options;
    this.region = resources.region;
    this.accountId = resources.accountId;
    const policies = options.policies ?? (committed.functions as unknown as FunctionPolicies);
    this.add(admin, { name: "admin", arn: `arn:aws:iam::${resources.accountId}:user/local-admin`, policy: "admin" });
    for (const [name, statements] of Object.entries(policies)) {
      const key = deriveKey(admin.secretAccessKey, name);
      const role = `media-local-${name.replace(/\//g, "-")}`;
      const own = { ...resources, arns: { ...resources.arns, ...resources.functionArns?.[name] } };
      const policy = new Policy(statements.map((s) => substitute(s, own)), CONDITION_KEYS);
      this.add(key, { name, arn: `arn:aws:sts::${resources.accountId}:assumed-role/${role}/${role}`, policy });
    }
  }

  /** An IAM with the admin key alone (endpoint tests that check signatures, not function policies). */
  static adminOnly(admin: AccessKey, region = "us-east-1", accountId = "000000000000"): LocalIam {
    return new LocalIam({ admin, resources: { region, accountId, arns: {} }, policies: {} });
  }

  private add(key: AccessKey, principal: Principal): void {
    this.byKey.set(key.accessKeyId, { key, principal });
    this.byName.set(principal.name, key);
  }

  /** The access key a function signs with; throws for a function the stacks do not define. */
  credentialsFor(functionName: string): AccessKey {
    const key = this.byName.get(functionName);
    if (!key || functionName === "admin") throw new Error(`no function ${functionName} in the synthesized stacks' policies`);
    return key;
  }

  /** Every key the endpoints accept (the verifiers need their secrets). */
  keys(): AccessKey[] {
    return [...this.byKey.values()].map((e) => e.key);
  }

  secretOf(accessKeyId: string): string | undefined {
    return this.byKey.get(accessKeyId)?.key.secretAccessKey;
  }

  principalOf(accessKeyId: string): Principal | undefined {
    return this.byKey.get(accessKeyId)?.principal;
  }

  /** Whether the key's principal may make this request; the refusal carries AWS's wording. */
  authorize(accessKeyId: string, request: AuthorizationRequest): AuthorizationResult {
    const principal = this.principalOf(accessKeyId);
    if (!principal) throw new Error(`unknown access key ${accessKeyId}: verify the signature before authorizing`);
    if (principal.policy === "admin") return { allowed: true, principal };
    const decision = principal.policy.decide(request);
    if (decision === "allow") return { allowed: true, principal };
    const why = decision === "explicit-deny" ? "with an explicit deny in an identity-based policy" : `because no identity-based policy allows the ${request.action} action`;
    return { allowed: false, principal, message: `User: ${principal.arn} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}` };
  }

  allows(accessKeyId: string, request: AuthorizationRequest): boolean {
    return this.authorize(accessKeyId, request).allowed;
  }
}

function deriveKey(adminSecret: string, functionName: string): AccessKey {
  const mac = (purpose: string) => createHmac("sha256", adminSecret).update(`${purpose}\0${functionName}`).digest();
  return {
    // AWS's shape: 20 upper-case letters and digits.
    accessKeyId: `LKIA${mac("access-key-id").toString("hex").slice(0, 16).toUpperCase()}`,
    secretAccessKey: mac("secret-access-key").toString("base64url"),
  };
}

function substitute(statement: PolicyStatement, resources: LocalResources): PolicyStatement {
  const fill = (value: string) =>
    value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      if (name === "AWS::Region") return resources.region;
      if (name === "AWS::AccountId") return resources.accountId;
      if (name === "AWS::Partition") return "aws";
      // Left as it is, Policy refuses it: the runtime has no such resource.
      return resources.arns[name] ?? whole;
    });
  const fillAll = (v: string | string[] | undefined) => (v === undefined ? undefined : [v].flat().map(fill));
  const out: PolicyStatement = { ...statement };
  const resource = fillAll(statement.Resource);
  const notResource = fillAll(statement.NotResource);
  if (resource) out.Resource = resource;
  if (notResource) out.NotResource = notResource;
  return out;
}

/** A copy of the committed policies, for tests that take a grant away. */
export function committedPolicies(): FunctionPolicies {
  return structuredClone(committed.functions as unknown as FunctionPolicies);
}
