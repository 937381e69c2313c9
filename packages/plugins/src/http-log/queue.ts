import { channel } from 'node:diagnostics_channel';

// Kong's plugin queue (kong/tools/queue.lua; the `queue` config of http-log, opentelemetry...):
// entries wait until a batch is full or the coalescing delay passed, batches go out one at a time
// (concurrency_limit 1) or all at once (-1), a failing batch is retried with exponential backoff
// until max_retry_time, and a full queue drops its oldest entry. Everything runs on timers after the
// response, never on the request path.

/** The `queue` record of Kong's plugin configs (seconds, as Kong's). */
export interface QueueConfig {
  max_batch_size: number;
  max_coalescing_delay: number;
  max_entries: number;
  max_bytes?: number;
  max_retry_time: number;
  initial_retry_delay: number;
  max_retry_delay: number;
  concurrency_limit: number;
}

/** Sends one batch; a rejection (or throw) means the batch failed and is retried. */
export type BatchSender<T> = (batch: T[]) => Promise<void>;

/** Queue events (`dropped`, `retry`, `failed`) on `node:diagnostics_channel`, for logs and tests. */
export const QUEUE_CHANNEL = channel('gatehouse:plugins:queue');

export interface QueueEvent {
  queue: string;
  event: 'retry' | 'failed' | 'dropped';
  entries: number;
  error?: unknown;
}

/**
 * A named queue of log entries with Kong's batching and retry rules.
 * @example
 * const q = new LogQueue('http-log:1', config.queue, (batch) => post(batch));
 * q.add(entry);
 */
export class LogQueue<T> {
  readonly name: string;
  config: QueueConfig;
  send: BatchSender<T>;
  private entries: T[];
  private timer: NodeJS.Timeout | null;
  private inFlight: number;
  private idle: Array<() => void>;
  private readonly onTimer: () => void;

  constructor(name: string, config: QueueConfig, send: BatchSender<T>) {
    this.name = name;
    this.config = config;
    this.send = send;
    this.entries = [];
    this.timer = null;
    this.inFlight = 0;
    this.idle = [];
    this.onTimer = (): void => {
      this.timer = null;
      this.pump(true);
    };
  }

  /** Entries waiting (not yet handed to a sender). */
  get size(): number {
    return this.entries.length;
  }

  add(entry: T): void {
    if (this.entries.length >= this.config.max_entries) {
      this.entries.shift();
      publish(this.name, 'dropped', 1);
    }
    this.entries.push(entry);
    this.pump();
  }

  /** Sends what waits now, ignoring the coalescing delay; resolves once every batch is done. */
  flush(): Promise<void> {
    this.clearTimer();
    this.pump(true);
    if (this.inFlight === 0 && this.entries.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump(isForced = false): void {
    const { max_batch_size: batchSize, concurrency_limit: limit } = this.config;
    while (this.entries.length > 0 && (limit === -1 || this.inFlight < limit)) {
      if (!isForced && this.entries.length < batchSize) {
        // Kong: the delay counts from the first entry of a batch.
        this.timer ??= setTimeout(this.onTimer, this.config.max_coalescing_delay * 1000).unref();
        return;
      }
      this.clearTimer();
      this.inFlight++;
      void this.deliver(this.entries.splice(0, batchSize));
    }
  }

  private async deliver(batch: T[]): Promise<void> {
    const { initial_retry_delay: initial, max_retry_delay: maxDelay, max_retry_time: maxTime } = this.config;
    const startedAt = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.send(batch);
        break;
      } catch (error) {
        const delay = Math.min(initial * 2 ** attempt, maxDelay) * 1000;
        if (Date.now() - startedAt + delay > maxTime * 1000) {
          publish(this.name, 'failed', batch.length, error);
          break;
        }
        publish(this.name, 'retry', batch.length, error);
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
    this.inFlight--;
    this.pump(this.idle.length > 0);
    if (this.inFlight === 0 && this.entries.length === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  private clearTimer(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
  }
}

function publish(queue: string, event: QueueEvent['event'], entries: number, error?: unknown): void {
  if (QUEUE_CHANNEL.hasSubscribers) QUEUE_CHANNEL.publish({ queue, event, entries, error } satisfies QueueEvent);
}

const QUEUES = new Map<string, LogQueue<unknown>>();

/**
 * The process's queue named `name` (Kong keeps one per plugin instance across config reloads),
 * created on first use; a later compile updates its config and sender.
 */
export function sharedQueue<T>(name: string, config: QueueConfig, send: BatchSender<T>): LogQueue<T> {
  let queue = QUEUES.get(name) as LogQueue<T> | undefined;
  if (queue === undefined) {
    queue = new LogQueue(name, config, send);
    QUEUES.set(name, queue as LogQueue<unknown>);
  } else {
    queue.config = config;
    queue.send = send;
  }
  return queue;
}

/** Flushes every queue of the process (shutdown, tests). */
export async function flushQueues(): Promise<void> {
  await Promise.all([...QUEUES.values()].map((q) => q.flush()));
}
