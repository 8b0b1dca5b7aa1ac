import { describe, expect, it } from "vitest";
import { base64url, challengeS256, randomVerifier } from "../src/api/pkce";

describe("PKCE", () => {
  it("matches RFC 7636 appendix B", async () => {
    const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    expect(await challengeS256(verifier)).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("makes verifiers of 43 unreserved characters, different every time", () => {
    const first = randomVerifier();
    expect(first).toMatch(/^[A-Za-z0-9\-_]{43}$/);
    expect(randomVerifier()).not.toBe(first);
  });

  it("encodes base64url without padding", () => {
    expect(base64url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
  });
});
