import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The server embeds `dist/` (see mockbird-server/src/dashboard.rs); `npm run dev`
// proxies the API and mocks to a server on 127.0.0.1:3000.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // No inline scripts or styles: the pages run under a strict CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 800,
  },
  // Vitest runs the unit tests only; e2e/ is Playwright's.
  test: { include: ["src/**/*.test.ts"] },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:3000",
      "/m": "http://127.0.0.1:3000",
    },
  },
});
