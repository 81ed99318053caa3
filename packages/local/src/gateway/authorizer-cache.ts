/**
 * API Gateway caches a Lambda authorizer's answer by the identity source values for the configured TTL,
 * denials included; a cache hit skips the authorizer. Bounded so a flood of random tokens cannot grow it.
 */
export interface AuthorizerDecision {
  isAuthorized: boolean;
  context?: Record<string, unknown>;
}

export class AuthorizerCache {
  private readonly entries = new Map<string, { decision: AuthorizerDecision; until: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(identity: string, now = Date.now()): AuthorizerDecision | undefined {
    const hit = this.entries.get(identity);
    if (!hit) return undefined;
    if (hit.until <= now) {
      this.entries.delete(identity);
      return undefined;
    }
    return hit.decision;
  }

  set(identity: string, decision: AuthorizerDecision, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(identity, { decision, until: now + this.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }
}
