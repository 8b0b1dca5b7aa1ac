import preact from "@preact/preset-vite";
import { defineConfig } from "vitest/config";

// The gateway serves dist/ at / (hashed file names under /assets/ may be cached for ever).
// `npm run dev` proxies the API to a local `rookery up`.
const api = process.env.ROOKERY_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [preact()],
  build: { outDir: "dist", assetsDir: "assets", sourcemap: false, target: "es2022" },
  server: {
    proxy: {
      "/api/": { target: api, ws: true },
      // not /oauth-callback: that is the client's own route
      "^/oauth/": { target: api },
      "/system/": { target: api },
      "/.well-known/": { target: api },
    },
  },
  test: { environment: "node", include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"], setupFiles: ["tests/setup.ts"] },
});
