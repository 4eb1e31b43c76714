import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The Python app serves the API on 8005; in dev Vite proxies to it so cookies stay same-origin.
const API = "http://127.0.0.1:8005";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: {
    outDir: "../src/swarmdeck/web_dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
  },
  server: {
    port: 5173,
    proxy: {
      "/api": { target: API, ws: true },
      "/v1": { target: API },
      "/metrics": { target: API },
      "/readyz": { target: API },
      "/healthz": { target: API },
    },
  },
});
