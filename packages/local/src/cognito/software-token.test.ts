import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { checkSoftwareTokenCode, newSoftwareToken } from "./software-token";

const STEP_MS = 30_000;
/** The middle of a step, so that neither neighbour is a boundary away. */
const T0 = 1_800_000_000_000 + STEP_MS / 2;
const codeAt = (secret: string, ms: number) => generate({ secret, epoch: Math.floor(ms / 1000) });

describe("software token (TOTP) codes", () => {
  it("takes a step's code once: the same code twice in one step is refused as reused", async () => {
    const token = newSoftwareToken();
    const code = await codeAt(token.secret, T0);
    expect(await checkSoftwareTokenCode(token, code, T0)).toBe("valid");
    expect(await checkSoftwareTokenCode(token, code, T0 + 1_000)).toBe("reused");
    // Still refused a step later, while the drift allowance would otherwise take it.
    expect(await checkSoftwareTokenCode(token, code, T0 + STEP_MS)).toBe("reused");
    expect(await checkSoftwareTokenCode(token, await codeAt(token.secret, T0 + STEP_MS), T0 + STEP_MS)).toBe("valid");
  });

  it("refuses a code of a step before the last one used, and takes the steps beside now but no further", async () => {
    const token = newSoftwareToken();
    expect(await checkSoftwareTokenCode(token, await codeAt(token.secret, T0 + STEP_MS), T0)).toBe("valid");
    expect(await checkSoftwareTokenCode(token, await codeAt(token.secret, T0), T0)).toBe("reused");
    const fresh = newSoftwareToken();
    expect(await checkSoftwareTokenCode(fresh, await codeAt(fresh.secret, T0 - STEP_MS), T0)).toBe("valid");
    const far = newSoftwareToken();
    const twoAhead = await codeAt(far.secret, T0 + 2 * STEP_MS);
    // Unless the six digits happen to repeat within the three steps the pool takes.
    const near = await Promise.all([-1, 0, 1].map((d) => codeAt(far.secret, T0 + d * STEP_MS)));
    if (!near.includes(twoAhead)) expect(await checkSoftwareTokenCode(far, twoAhead, T0)).toBe("wrong");
  });

  it("refuses what is not six digits without asking the algorithm", async () => {
    const token = newSoftwareToken();
    for (const code of ["", "12345", "1234567", "12a456", " 123456"]) expect(await checkSoftwareTokenCode(token, code, T0)).toBe("wrong");
    expect(token.lastTimeStep).toBeUndefined();
  });
});
