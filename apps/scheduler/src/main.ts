import 'reflect-metadata';
import { loadConfig, runService } from '@hourglass/platform';
import { SchedulerEnv, toSchedulerConfig, type SchedulerConfig } from './config.js';
import { SchedulerModule } from './scheduler.module.js';
import { LeaderService } from './leader/leader.service.js';

const config = loadConfig(SchedulerEnv, toSchedulerConfig) as SchedulerConfig;
const app = await runService(SchedulerModule.forRoot(config), config.http.port, { serviceName: 'hourglass-scheduler' });
// A leader that loses its lock connection exits non-zero and lets the supervisor restart it,
// rather than guessing whether another replica has already taken over.
app.get(LeaderService).on('lost', () => {
  void app.close().finally(() => process.exit(1));
});
