import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

// The web UI (packages/ui), built by `npm install` into packages/ui/dist and served at `/` without a
// token: it holds no data, and signs in with a token that it sends to the API itself. Every GET that
// is not an API path and not a file gets index.html, so the UI's own paths survive a reload.

/** Where `npm install` puts the built UI. */
export const UI_DIST_DIR = fileURLToPath(new URL('../../../ui/dist/', import.meta.url));

// API paths keep their 401/404 answers: `/v2/...`, `/v3/...`, decK's `/konnect-api/...`, `/health`.
const API_PATH = /^\/(?:v\d+(?:\/|$)|konnect-api(?:\/|$)|health$)/;

/** True for requests the UI answers: GET or HEAD of anything but an API path. */
export const isUiRequest = (method: string, path: string): boolean => (method === 'GET' || method === 'HEAD') && !API_PATH.test(path);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

// The UI talks only to its own origin; nothing inline runs (Preact sets styles through the CSSOM).
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

interface Asset { body: Buffer; type: string; etag: string; isImmutable: boolean }

const NOT_BUILT = Buffer.from(
  '<!doctype html><html lang="en"><meta charset="utf-8"><title>Gatehouse</title><body style="font-family:system-ui;max-width:40em;margin:10vh auto">' +
    '<h1>Gatehouse</h1><p>The web UI is not built. Run <code>npm install</code> (or <code>npm run build -w packages/ui</code>) and restart.</p>' +
    '<p>The API is at this address: <code>/v2/control-planes</code> with <code>Authorization: Bearer &lt;token&gt;</code>.</p></body></html>',
);

/** Reads the built UI into memory once: a handful of small files. */
function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!existsSync(join(dir, 'index.html'))) return assets;
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const file = join(folder, name);
      if (statSync(file).isDirectory()) walk(file);
      else {
        const body = readFileSync(file);
        const path = '/' + relative(dir, file).split(sep).join('/');
        // Vite puts content-hashed names under assets/; those never change and may be cached for good.
        assets.set(path, { body, type: TYPES[extname(file)] ?? 'application/octet-stream', etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`, isImmutable: path.startsWith('/assets/') });
      }
    }
  };
  walk(dir);
  return assets;
}

function send(reply: FastifyReply, ifNoneMatch: string | undefined, asset: Asset): FastifyReply {
  reply.headers(SECURITY_HEADERS).header('etag', asset.etag).header('cache-control', asset.isImmutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (ifNoneMatch === asset.etag) return reply.code(304).send();
  return reply.code(200).type(asset.type).send(asset.body);
}

/** Serves the built UI at `/` with the SPA fallback; app.ts lets isUiRequest() paths through without a token. */
export function registerUiRoutes(app: FastifyInstance, options: { dir?: string } = {}): void {
  const assets = loadAssets(options.dir ?? UI_DIST_DIR);
  const index = assets.get('/index.html') ?? { body: NOT_BUILT, type: TYPES['.html'], etag: '"not-built"', isImmutable: false };

  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0];
    if (!isUiRequest(request.method, path)) return reply.callNotFound();
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      decoded = path;
    }
    const asset = assets.get(decoded);
    if (asset) return send(reply, request.headers['if-none-match'], asset);
    // A missing hashed file is a stale page asking for an old build: 404, not index.html as JavaScript.
    if (decoded.startsWith('/assets/')) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return send(reply, request.headers['if-none-match'], index);
  });
}
