import 'reflect-metadata';
import { AppLogger, loadConfig, runService } from '@hourglass/platform';
import { ApiGatewayEnv, toApiGatewayConfig, type ApiGatewayConfig } from './config.js';
import { ApiGatewayModule } from './api-gateway.module.js';

const config = loadConfig(ApiGatewayEnv, toApiGatewayConfig) as ApiGatewayConfig;
const app = await runService(ApiGatewayModule.forRoot(config), config.http.port, {
  bodyLimit: 1024 * 1024,
  serviceName: 'hourglass-api-gateway',
});
if (config.localMode) {
  app.get(AppLogger).warn('local mode: tasks may target private and loopback addresses', 'Bootstrap');
}
