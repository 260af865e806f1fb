// Bundles the dashboard (dashboard/main.tsx, preact + uPlot from node_modules) into public/build/,
// which wrangler serves as static assets. Runs on its own (`npm run build:dashboard`) and as
// wrangler's [build] command before `wrangler dev` and `wrangler deploy`. Nothing is loaded from a
// CDN: the page works offline.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const options = {
  absWorkingDir: root,
  entryPoints: { app: 'dashboard/main.tsx' },
  outdir: 'public/build',
  bundle: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
};

const result = await build({ ...options, metafile: true });
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`dashboard: public/build/ (${Math.round(bytes / 1024)} KiB)`);
