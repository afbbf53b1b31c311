import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The app is served by the gateway at "/" and calls the API on the same origin (/api/...).
// In development, `npm run dev` proxies /api to the gateway (ILR_GATEWAY, default http://localhost:8000).
const gateway = process.env.ILR_GATEWAY ?? "http://localhost:8000";

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: { outDir: "dist", sourcemap: true, target: "es2022" },
  server: { port: 5173, proxy: { "/api": { target: gateway, changeOrigin: true } } },
  preview: { port: 4173, proxy: { "/api": { target: gateway, changeOrigin: true } } },
});
