import type { MigrationInterface, QueryRunner } from 'typeorm';

export class NamedQueues1764500000000 implements MigrationInterface {
  name = 'NamedQueues1764500000000';

  async up(_q: QueryRunner): Promise<void> {
    // filled in by the feature that owns it
  }

  async down(_q: QueryRunner): Promise<void> {
    // filled in by the feature that owns it
  }
}
