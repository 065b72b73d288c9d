// Next.js settings. The embedded database (PGlite, WebAssembly) and the PostgreSQL driver stay
// outside the server bundle; the backend core imports its siblings ESM-style (`./db.js`), which
// webpack resolves to the TypeScript sources. The build goes to dist/ like every other WebNova
// project's (the shared Dockerfile copies it). Telemetry is off in every npm script.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

/** @type {import('next').NextConfig} */
const config = {
  distDir: 'dist',
  reactStrictMode: true,
  poweredByHeader: false,
  outputFileTracingRoot: root,
  serverExternalPackages: ['@electric-sql/pglite', 'pg'],
  eslint: { ignoreDuringBuilds: true },
  webpack(webpackConfig) {
    webpackConfig.resolve.extensionAlias = { '.js': ['.ts', '.tsx', '.js'] };
    return webpackConfig;
  },
};

export default config;
