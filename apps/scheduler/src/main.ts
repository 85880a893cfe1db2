import 'reflect-metadata';
import { loadConfig, runService } from '@hourglass/platform';
import { SchedulerEnv, toSchedulerConfig, type SchedulerConfig } from './config.js';
import { SchedulerModule } from './scheduler.module.js';

const config = loadConfig(SchedulerEnv, toSchedulerConfig) as SchedulerConfig;
// A leader that loses its lock connection (database restarted, backend terminated) stops ticking and
// retries the lock as a standby, rather than turning every database restart into a crash.
await runService(SchedulerModule.forRoot(config), config.http.port, { serviceName: 'hourglass-scheduler' });
