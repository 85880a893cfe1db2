import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Attempts lose their foreign keys (docs/decisions/0010). Every attempt is written by the dispatcher
 * in the transaction that settles its task, so both references hold by construction; neither tasks
 * nor orgs are deleted through the API, and retention deletes attempts itself. Each check was a
 * locked lookup per attempt on the delivery hot path.
 */
export class AttemptsWithoutForeignKeys1764700000000 implements MigrationInterface {
  name = 'AttemptsWithoutForeignKeys1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE attempts DROP CONSTRAINT attempts_task_id_fkey, DROP CONSTRAINT attempts_org_id_fkey');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE attempts
        ADD CONSTRAINT attempts_task_id_fkey FOREIGN KEY (task_id) REFERENCES tasks(id) ON DELETE CASCADE,
        ADD CONSTRAINT attempts_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE`);
  }
}
