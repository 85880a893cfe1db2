import { Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/**
 * GET /openapi.json (OpenAPI 3.1) and GET /docs (swagger-ui, its assets served from the local
 * swagger-ui-dist, so it works offline). Set up from inside the module rather than main.ts, so
 * e2e tests that boot the module get the docs too. SwaggerModule wants the application; it only
 * reads the module container, the config (global prefix) and the HTTP adapter, which are all
 * available here. These routes go straight to Fastify, outside the guard: public by design.
 */
@Module({})
export class DocsModule implements OnApplicationBootstrap {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(ModulesContainer) private readonly modules: ModulesContainer,
  ) {}

  onApplicationBootstrap(): void {
    const app = {
      container: { getModules: () => this.modules, isGlobalModule: () => false },
      config: new ApplicationConfig(),
      getHttpAdapter: () => this.adapterHost.httpAdapter,
    } as unknown as INestApplication;
    const config = new DocumentBuilder()
      .setTitle('Hourglass API')
      .setDescription('Async HTTP tasks. Errors are RFC 9457 problem+json with a stable `code`.')
      .setVersion('v1')
      .setOpenAPIVersion('3.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'hg_<keyId>_<secret>, or the admin token on /v1/admin' })
      .addSecurityRequirements('bearer')
      .addTag('tasks')
      .addTag('api-keys')
      .addTag('org')
      .build();
    SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config), {
      jsonDocumentUrl: 'openapi.json',
      raw: ['json'],
    });
  }
}
