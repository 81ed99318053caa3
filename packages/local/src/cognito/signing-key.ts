import { join } from "node:path";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { readJsonFile, writeFileAtomic } from "./atomic-file";

/**
 * The pool's public keys, in the shape Cognito serves at `/<pool>/.well-known/jwks.json`. Type aliases,
 * not interfaces, so the value is assignable to aws-jwt-verify's JSON-typed `Jwks` for `cacheJwks`.
 */
export type PublicJwk = { kid: string; alg: "RS256"; kty: "RSA"; e: string; n: string; use: "sig" };
export type Jwks = { keys: PublicJwk[] };

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwks: Jwks;
}

const FILE = "cognito-signing-key.json";

/**
 * The RS256 key pair the pool signs tokens with: generated once (2048 bits, as Cognito's), stored beside
 * the pool's state with owner-only permissions, and reused on every start so that tokens and a JWKS
 * handed out before a restart stay valid after it.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const path = join(dataDir, FILE);
  let stored = (await readJsonFile(path)) as { kid?: string; privateJwk?: JWK } | undefined;
  if (!stored?.kid || !stored.privateJwk) {
    const { privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
    const privateJwk = await exportJWK(privateKey);
    // Cognito's key ids are opaque strings; the RFC 7638 thumbprint is a stable, collision-free choice.
    const kid = await calculateJwkThumbprint({ kty: "RSA", e: privateJwk.e, n: privateJwk.n });
    stored = { kid, privateJwk };
    await writeFileAtomic(path, JSON.stringify(stored), 0o600);
  }
  const { kid, privateJwk } = stored as { kid: string; privateJwk: JWK };
  if (privateJwk.kty !== "RSA" || !privateJwk.n || !privateJwk.e || !privateJwk.d) {
    throw new Error(`${path} does not hold an RSA private key`);
  }
  const publicJwk = { kty: "RSA" as const, e: privateJwk.e, n: privateJwk.n };
  return {
    kid,
    privateKey: (await importJWK({ ...privateJwk, alg: "RS256" }, "RS256")) as CryptoKey,
    publicKey: (await importJWK({ ...publicJwk, alg: "RS256" }, "RS256")) as CryptoKey,
    jwks: { keys: [{ kid, alg: "RS256", ...publicJwk, use: "sig" }] },
  };
}
