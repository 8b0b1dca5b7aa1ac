import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { en, plural, t } from "../src/strings";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

const srcDir = fileURLToPath(new URL("../src", import.meta.url));
const code = sources(srcDir).map((path) => readFileSync(path, "utf8")).join("\n");

describe("string catalogue", () => {
  it("has every key the source asks for", () => {
    const used = [...code.matchAll(/\bt\(\s*"([a-z0-9_]+)"/g)].map((match) => match[1]);
    expect(used.length).toBeGreaterThan(20);
    const missing = [...new Set(used)].filter((key) => !(key in en));
    expect(missing).toEqual([]);
  });

  it("has no key that nothing uses", () => {
    // notification_<type> keys are looked up by the notification's type
    const unused = Object.keys(en).filter((key) => {
      const base = key.replace(/_(one|other)$/, "");
      return !code.includes(`"${key}"`) && !code.includes(`"${base}"`) && !key.startsWith("notification_");
    });
    expect(unused).toEqual([]);
  });

  it("has no empty strings", () => {
    expect(Object.entries(en).filter(([, text]) => !text.trim())).toEqual([]);
  });

  it("fills placeholders and plurals", () => {
    expect(t("boosted_by", { name: "Ana" })).toBe("Ana boosted");
    expect(t("error_rate_limited", { seconds: 30 })).toBe("Too many requests. Try again in 30 s.");
    expect(plural("new_posts", 1)).toBe("1 new post");
    expect(plural("new_posts", 4)).toBe("4 new posts");
  });
});
