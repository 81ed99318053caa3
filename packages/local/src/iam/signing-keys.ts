import { createHmac } from "node:crypto";

/**
 * SigV4's signing key, HMAC-SHA256 chained over "AWS4" + secret, the date, the region, the service and
 * "aws4_request": four HMACs that depend on nothing of the request, so they are derived once per
 * (secret, date, region, service) and kept, as AWS's own signers do. Bounded: keys of past days and of
 * secrets nobody uses any more fall out when it fills.
 */
export function signingKeyCache(maxEntries = 1_000): (secret: string, date: string, region: string, service: string) => Buffer {
  const keys = new Map<string, Buffer>();
  return (secret, date, region, service) => {
    const id = `${secret}\u0000${date}\u0000${region}\u0000${service}`;
    let key = keys.get(id);
    if (!key) {
      key = [date, region, service, "aws4_request"].reduce<Buffer>((k, part) => createHmac("sha256", k).update(part).digest(), Buffer.from(`AWS4${secret}`));
      if (keys.size >= maxEntries) keys.clear();
      keys.set(id, key);
    }
    return key;
  };
}
