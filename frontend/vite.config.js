import { defineConfig } from "vite";

// No React plugin needed: esbuild compiles JSX; fast refresh is all the plugin would add.
const API = process.env.API_URL || "http://127.0.0.1:8000";

export default defineConfig({
  esbuild: { jsx: "automatic" },
  server: {
    proxy: Object.fromEntries(
      ["/predict", "/models", "/model", "/health", "/ready"].map((path) => [path, API]),
    ),
  },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 300 },
});
