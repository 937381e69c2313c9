// gatehouse.ts under Bun (BENCH_BUN): the same data-plane code, with one bench-only adaptation.
// Bun answers `import ... from 'undici'` with a built-in stand-in whose Pool has no dispatch(), and a
// Bun.plugin onResolve cannot override a built-in; so this fills the stand-in's exports with the real
// undici package's (which runs under Bun) before the data plane is loaded. Everything else — node:http
// with the Exchange ServerResponse subclass, the DispatchHandler object, the TypeScript — runs as is.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

if (!process.versions.bun) throw new Error('gatehouse-bun.ts is for Bun; under Node run gatehouse.ts');
// Resolved from the data plane's package, as its own imports would be under Node; through package.json,
// because Bun resolves the bare name to its built-in.
const require = createRequire(new URL('../../packages/data-plane/package.json', import.meta.url));
const builtin = require('undici') as Record<string, unknown>;
const manifest = require.resolve('undici/package.json');
const real = require(join(dirname(manifest), (require(manifest) as { main: string }).main)) as Record<string, unknown>;
if (builtin !== real) Object.assign(builtin, real);
await import('./gatehouse.ts');
