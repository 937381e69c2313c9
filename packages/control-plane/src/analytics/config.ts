/** How long analytics rows are kept (issue 10: raw minutes 48 h, hourly rollups 30 days). */
export interface AnalyticsRetention {
  minuteRetentionHours: number;
  hourRetentionDays: number;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got '${raw}'`);
  return value;
}

/**
 * Reads GATEHOUSE_ANALYTICS_MINUTE_RETENTION_HOURS and GATEHOUSE_ANALYTICS_HOUR_RETENTION_DAYS.
 * @example loadAnalyticsRetention({ GATEHOUSE_ANALYTICS_MINUTE_RETENTION_HOURS: '6' }) // { minuteRetentionHours: 6, hourRetentionDays: 30 }
 */
export function loadAnalyticsRetention(env: NodeJS.ProcessEnv = process.env): AnalyticsRetention {
  return {
    minuteRetentionHours: positive(env, 'GATEHOUSE_ANALYTICS_MINUTE_RETENTION_HOURS', 48),
    hourRetentionDays: positive(env, 'GATEHOUSE_ANALYTICS_HOUR_RETENTION_DAYS', 30),
  };
}
