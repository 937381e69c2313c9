import type { AppContext } from '../context.ts';
import type { DpCertificateService } from './dp-certificates.ts';
import type { ClusterHub } from './hub.ts';

/** What the control-plane process adds to the API's context: the hub (nodes, hashes) and the certificates service. */
export interface ClusterContext {
  hub: ClusterHub;
  certificates: DpCertificateService;
}

/** AppContext plus the cluster; API modules read `cluster` when present (tests may build an app without it). */
export type ClusterAppContext = AppContext & { cluster?: ClusterContext };
