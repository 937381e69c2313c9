import { createLocalCounterStore, type CounterStore } from './counter-store.ts';

// Counters shared by the data-plane workers of one node: each worker asks the primary (the process
// that forked it, node:cluster or child_process.fork) over the IPC channel; the primary counts in
// one local store. A take is one message each way; the limiter batches the requests waiting.

/** Worker -> primary: grant up to `want` admissions of `gatewayId` in `window`. */
export interface LimitsTakeMessage {
  type: 'gatehouse:limits:take';
  /** Correlates the answer; unique per worker. */
  id: number;
  gatewayId: string;
  window: number;
  want: number;
  limit: number;
}

/** Primary -> worker: the answer to the take with the same `id`. */
export interface LimitsGrantMessage {
  type: 'gatehouse:limits:grant';
  id: number;
  granted: number;
}

/** What both ends need of an IPC channel: a cluster Worker, a ChildProcess, or `process` in the child. */
export interface IpcChannel {
  // Method syntax: Worker's, ChildProcess's and process's overloads are all assignable.
  send?(message: LimitsTakeMessage | LimitsGrantMessage): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

export const isLimitsTakeMessage = (m: unknown): m is LimitsTakeMessage => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'gatehouse:limits:take';

/**
 * The primary's side: one store for every worker of the node.
 * @example
 * // In the primary (node:cluster):
 * const limits = createLimitsPrimary();
 * cluster.on('fork', (worker) => limits.attach(worker));
 * // or, with a message handler of one's own: if (limits.handle(message, worker)) return;
 */
export function createLimitsPrimary(store: CounterStore = createLocalCounterStore()): {
  /** Answers this worker's takes; returns the detach function. */
  attach(worker: IpcChannel): () => void;
  /** Answers one message if it is a take (true), else leaves it (false). */
  handle(message: unknown, worker: IpcChannel): boolean;
  close(): Promise<void>;
} {
  const handle = (message: unknown, worker: IpcChannel): boolean => {
    if (!isLimitsTakeMessage(message)) return false;
    const { id, gatewayId, window, want, limit } = message;
    const answer = (granted: number): void => {
      const reply: LimitsGrantMessage = { type: 'gatehouse:limits:grant', id, granted };
      // A worker that exited meanwhile has no channel: nothing to answer.
      try {
        worker.send?.(reply);
      } catch {
        /* The channel closed. */
      }
    };
    const granted = store.take(gatewayId, window, want, limit);
    if (typeof granted === 'number') answer(granted);
    // A failing shared store behind the primary: the worker fails open on its timeout.
    else granted.then(answer, () => answer(want));
    return true;
  };
  return {
    attach(worker) {
      const listener = (message: unknown): void => void handle(message, worker);
      worker.on('message', listener);
      return () => worker.off('message', listener);
    },
    handle,
    close: () => store.close(),
  };
}

interface Waiting {
  resolve(granted: number): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The worker's side: takes go to the primary over `channel` (default `process`). An unanswered take
 * rejects after `timeoutMs` (default 1000), so a primary without the handler fails open.
 */
export function createIpcCounterStore(channel: IpcChannel = process as unknown as IpcChannel, timeoutMs = 1000): CounterStore {
  const send = channel.send;
  if (send === undefined) throw new Error('createIpcCounterStore: this process has no IPC channel');
  let nextId = 1;
  const waiting = new Map<number, Waiting>();
  const onMessage = (message: unknown): void => {
    const m = message as Partial<LimitsGrantMessage> | null;
    if (m === null || typeof m !== 'object' || m.type !== 'gatehouse:limits:grant' || typeof m.id !== 'number') return;
    const w = waiting.get(m.id);
    if (w === undefined) return;
    waiting.delete(m.id);
    clearTimeout(w.timer);
    w.resolve(Number(m.granted) || 0);
  };
  channel.on('message', onMessage);
  return {
    kind: 'ipc',
    take(gatewayId, window, want, limit) {
      return new Promise<number>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`no answer from the primary within ${timeoutMs} ms`));
        }, timeoutMs);
        timer.unref();
        waiting.set(id, { resolve, reject, timer });
        const message: LimitsTakeMessage = { type: 'gatehouse:limits:take', id, gatewayId, window, want, limit };
        try {
          send.call(channel, message);
        } catch (error) {
          waiting.delete(id);
          clearTimeout(timer);
          reject(error as Error);
        }
      });
    },
    close() {
      channel.off('message', onMessage);
      for (const w of waiting.values()) {
        clearTimeout(w.timer);
        w.reject(new Error('counter store closed'));
      }
      waiting.clear();
      return Promise.resolve();
    },
  };
}
