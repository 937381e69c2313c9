// Shared set-up of the browser tests: Debian's Chromium driven by playwright-core, the built UI, and
// a place for screenshots. In CI a missing browser is a failure; elsewhere the tests skip with a note.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'ui');

/** Why the browser tests cannot run here, or undefined when they can. Throws in CI instead. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`;
  if (process.env.CI) throw new Error(`browser tests need Chromium in CI: ${reason}`);
  return reason;
}

/** Builds the UI when `npm install` has not (e.g. installed with --ignore-scripts). */
export function ensureUiBuilt(): void {
  if (existsSync(join(ROOT, 'packages/ui/dist/index.html'))) return;
  const vite = join(ROOT, 'node_modules/vite/bin/vite.js');
  const result = spawnSync(process.execPath, [vite, 'build'], { cwd: join(ROOT, 'packages/ui'), encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`UI build failed:\n${result.stdout}${result.stderr}`);
}

/** A fresh Chromium profile; the flags keep it off this machine's closed network (machine doc). */
export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'gatehouse-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export const screenshotPath = (name: string): string => join(ARTIFACTS, `${name}.png`);
