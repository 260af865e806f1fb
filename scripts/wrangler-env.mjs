// Environment for every wrangler call the scripts make: offline, quiet, no telemetry.
export const wranglerEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};

export const wranglerBin = new URL('../node_modules/.bin/wrangler', import.meta.url).pathname;
