import { Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { SwaggerModule } from '@nestjs/swagger';
import { documentConfig, refineDocument } from './openapi.js';
import { Problem } from './problem.js';

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
    SwaggerModule.setup(
      'docs',
      app,
      () => refineDocument(SwaggerModule.createDocument(app, documentConfig(), { extraModels: [Problem] })),
      {
        jsonDocumentUrl: 'openapi.json',
        raw: ['json'],
      },
    );
  }
}
