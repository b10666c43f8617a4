import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig } from "vite";

// No React plugin needed: esbuild compiles JSX; fast refresh is all the plugin would add.
const API = process.env.API_URL || "http://127.0.0.1:8000";

// Each text file of the build also written Brotli- and gzip-compressed (NAME.br, NAME.gz), once, here: the server
// sends those to a browser that takes them (a third of the bytes over a phone's network), never compressing per request.
function precompress() {
  return {
    name: "precompress",
    apply: "build",
    writeBundle(options, bundle) {
      for (const name of Object.keys(bundle).filter((n) => /\.(html|js|css|svg)$/.test(n))) {
        const path = join(options.dir, name);
        const data = readFileSync(path);
        writeFileSync(`${path}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
        writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  esbuild: { jsx: "automatic" },
  plugins: [precompress()],
  server: {
    proxy: Object.fromEntries(
      ["/predict", "/models", "/model", "/health", "/ready"].map((path) => [path, API]),
    ),
  },
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 300 },
});
