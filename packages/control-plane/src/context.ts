import type { Logger } from 'pino';
import type { PlatformConfig } from './config.ts';
import type { PlatformEvents } from './events.ts';
import type { Store } from './store/types.ts';
import type { DomainService } from './domains/domain-service.ts';

/** What every API module and service gets: built once in main.ts (or a test) and passed down. */
export interface AppContext {
  store: Store;
  config: PlatformConfig;
  events: PlatformEvents;
  logger: Logger;
  version: string;
  /** Custom domains with their worker and HTTP-01 sink (main.ts); absent: built from the environment, no worker. */
  domains?: DomainService;
}
