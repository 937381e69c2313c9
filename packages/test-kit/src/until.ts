/**
 * Polls `fn` every 50 ms until it resolves a value other than undefined; a rejection counts as "not
 * yet" (a process still starting). Bounded: after `timeoutMs` it throws, with the last error as cause.
 * @example const r = await until('the route served', async () => ((await send(port, host, '/')).status === 200 ? true : undefined));
 */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let cause: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (error) {
      cause = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause });
    await new Promise((r) => setTimeout(r, 50));
  }
}
