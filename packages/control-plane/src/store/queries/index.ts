import type { StoreTx } from '../types.ts';
import type { Executor } from '../sql.ts';
import { analyticsQueries } from './analytics.ts';
import { configurationQueries } from './configurations.ts';
import { controlPlaneQueries } from './control-planes.ts';
import { customDomainQueries } from './custom-domains.ts';
import { entityQueries } from './entities.ts';
import { retiredConfigurationQueries } from './retired-configurations.ts';
import { hostnameQueries, settingQueries, tokenQueries } from './small-tables.ts';

/** Every store method, written once over an Executor: the drivers differ only below it. */
export function createQueries(db: Executor): StoreTx {
  return {
    controlPlanes: controlPlaneQueries(db),
    configurations: configurationQueries(db),
    retiredConfigurations: retiredConfigurationQueries(db),
    hostnames: hostnameQueries(db),
    entities: entityQueries(db),
    tokens: tokenQueries(db),
    settings: settingQueries(db),
    analytics: analyticsQueries(db),
    customDomains: customDomainQueries(db),
  };
}
