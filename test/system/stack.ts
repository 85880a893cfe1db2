import type { DataSource } from 'typeorm';
import { createDataSource } from '@hourglass/db';
import {
  createTestDatabase,
  type RunningService,
  startService,
  type TestDatabase,
  testMasterKeys,
} from '@hourglass/testing';
import { serviceEnv } from './api-client.js';

/** A fresh database, the three real services on it (env of serviceEnv plus `extra`), and a small pool for reads. */
export interface Stack {
  database: TestDatabase;
  db: DataSource;
  services: RunningService[];
  gatewayUrl: string;
  adminToken: string;
  stop(): Promise<void>;
}

export async function startStack(extra: Record<string, string> = {}): Promise<Stack> {
  const database = await createTestDatabase();
  const { adminToken, env } = serviceEnv(database.url, extra);
  const services = await Promise.all(
    (['api-gateway', 'scheduler', 'dispatcher'] as const).map((name) => startService(name, env)),
  );
  const db = await createDataSource({ url: database.url, poolMax: 2, masterKeys: testMasterKeys() }).initialize();
  return {
    database,
    db,
    services,
    gatewayUrl: services[0]!.url,
    adminToken,
    async stop() {
      await Promise.all(services.map((s) => s.kill('SIGKILL')));
      await db.destroy();
      await database.drop();
    },
  };
}

/** A monitor's ping URL as the API wrote it, pointed at the test's gateway. */
export const localPingUrl = (pingUrl: string, gatewayUrl: string) => pingUrl.replace(/^https?:\/\/[^/]+/, gatewayUrl);
