import 'reflect-metadata';
import { loadConfig, runService } from '@hourglass/platform';
import { DispatcherEnv, toDispatcherConfig, type DispatcherConfig } from './config.js';
import { DispatcherModule } from './dispatcher.module.js';

const config = loadConfig(DispatcherEnv, toDispatcherConfig) as DispatcherConfig;
await runService(DispatcherModule.forRoot(config), config.http.port, { serviceName: 'hourglass-dispatcher' });
