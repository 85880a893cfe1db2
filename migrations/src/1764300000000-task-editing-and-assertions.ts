import type { MigrationInterface, QueryRunner } from 'typeorm';

export class TaskEditingAndAssertions1764300000000 implements MigrationInterface {
  name = 'TaskEditingAndAssertions1764300000000';

  async up(_q: QueryRunner): Promise<void> {
    // filled in by the feature that owns it
  }

  async down(_q: QueryRunner): Promise<void> {
    // filled in by the feature that owns it
  }
}
