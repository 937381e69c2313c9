import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from '../context.ts';

// The platform's entry point, as `npm start` runs it; resolved by path because the CLI is a client
// of the control plane and does not import its code.
const MAIN = fileURLToPath(new URL('../../../control-plane/src/main.ts', import.meta.url));

export default {
  summary: 'Run the whole platform (API, proxy) in the foreground, as `npm start` does.',
  usage: 'start   (configure with GATEHOUSE_* environment variables; see the README)',
  async run(ctx) {
    const child = spawn(process.execPath, [MAIN], { stdio: 'inherit', env: ctx.env });
    // Ctrl-C reaches the child through the terminal's process group; forward SIGTERM/SIGHUP ourselves.
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, forward(signal));
    process.on('SIGINT', () => {});
    return new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1))));
  },
} satisfies Command;
