import { getMetadataStorage } from 'class-validator';
import { ApiGatewayEnv } from '../../apps/api-gateway/src/config.js';
import { DispatcherEnv } from '../../apps/dispatcher/src/config.js';
import { SchedulerEnv } from '../../apps/scheduler/src/config.js';

/** The deployable units, named as in the Dockerfile's targets, compose's services and the chart's components. */
export const SERVICES = ['api-gateway', 'scheduler', 'dispatcher'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Every variable a class-validated Env class reads, inherited ones included: the code is the one list. */
function variablesOf(envClass: new () => object): Set<string> {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(envClass, '', true, false);
  return new Set(metadata.map((m) => m.propertyName));
}

/** Read by libs/platform/src/tracing (the OTel SDK's standard variable), outside the Env classes. */
const TRACING_ENV = ['OTEL_EXPORTER_OTLP_ENDPOINT'];
const withTracing = (names: Set<string>) => new Set([...names, ...TRACING_ENV]);

export const CODE_ENV: Record<ServiceName | 'migrate', Set<string>> = {
  'api-gateway': withTracing(variablesOf(ApiGatewayEnv)),
  scheduler: withTracing(variablesOf(SchedulerEnv)),
  dispatcher: withTracing(variablesOf(DispatcherEnv)),
  // migrations/src/run.ts reads only this one.
  migrate: new Set(['DATABASE_URL']),
};

/** What a deployment must set for a service to start (config loading rejects the rest's absence). */
export const REQUIRED_ENV: Record<ServiceName | 'migrate', string[]> = {
  'api-gateway': ['DATABASE_URL', 'HOURGLASS_MASTER_KEYS', 'HOURGLASS_ADMIN_TOKEN'],
  scheduler: ['DATABASE_URL', 'HOURGLASS_MASTER_KEYS'],
  dispatcher: ['DATABASE_URL', 'HOURGLASS_MASTER_KEYS'],
  migrate: ['DATABASE_URL'],
};

/** The Dockerfile's targets and the file each one starts, as `npm run build` leaves it. */
export const ENTRYPOINTS: Record<ServiceName | 'migrate', string> = {
  'api-gateway': 'apps/api-gateway/dist/main.js',
  scheduler: 'apps/scheduler/dist/main.js',
  dispatcher: 'apps/dispatcher/dist/main.js',
  migrate: 'migrations/dist/run.js',
};
