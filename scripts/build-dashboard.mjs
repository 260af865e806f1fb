// Bundles the dashboard (dashboard/main.tsx, preact + uPlot from node_modules) into public/build/,
// which wrangler serves as static assets, with the API reference page's script and swagger-ui's
// own prebuilt files (copied as published, with their licence). Runs on its own (`npm run build:dashboard`) and as
// wrangler's [build] command before `wrangler dev` and `wrangler deploy`. Nothing is loaded from a
// CDN: the page works offline.
// No source maps by default: this same build is what `wrangler deploy` uploads, and a map would
// publish the dashboard's source. DASHBOARD_SOURCEMAP=1 (e.g. `DASHBOARD_SOURCEMAP=1 npm start`)
// writes them for debugging on this machine; the folder is emptied first, so a map from such a
// build never lingers into a later one.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const options = {
  absWorkingDir: root,
  entryPoints: { app: 'dashboard/main.tsx', 'api-reference': 'dashboard/apiReference.ts' },
  outdir: 'public/build',
  bundle: true,
  format: 'esm',
  target: 'es2022',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  sourcemap: process.env.DASHBOARD_SOURCEMAP === '1',
  legalComments: 'linked',
  logLevel: 'warning',
};

rmSync(`${root}public/build`, { recursive: true, force: true });
const swaggerDir = 'public/build/swagger-ui';
mkdirSync(`${root}${swaggerDir}`, { recursive: true });
for (const file of ['swagger-ui-bundle.js', 'swagger-ui-bundle.js.LICENSE.txt', 'swagger-ui.css', 'LICENSE']) {
  copyFileSync(`${root}node_modules/swagger-ui-dist/${file}`, `${root}${swaggerDir}/${file}`);
}

const result = await build({ ...options, metafile: true });
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`dashboard: public/build/ (${Math.round(bytes / 1024)} KiB)`);
