// The UI's .tsx modules need DOM and JSX types, which the root tsconfig (Node, *.ts) does not give:
// packages/ui/tsconfig.json checks them, and this runs it as part of `npm test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('packages/ui type-checks', () => {
  const tsc = fileURLToPath(new URL('node_modules/typescript/bin/tsc', new URL(ROOT, 'file:')));
  const result = spawnSync(process.execPath, [tsc, '--noEmit', '-p', 'packages/ui/tsconfig.json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `tsc -p packages/ui failed:\n${result.stdout}${result.stderr}`);
});
