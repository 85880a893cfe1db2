import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A quota check a single statement can call: task creation writes its rows, jobs and monthly count
 * in one statement (docs/decisions/0009), and an org over its plan's quota must undo all of it, so
 * the check raises (SQLSTATE HGQ01, detail: plan and limit) instead of returning a flag.
 * VOLATILE (the default, spelled out) keeps the planner from inlining or skipping the CTE that calls it.
 */
export class QuotaCheck1764600000000 implements MigrationInterface {
  name = 'QuotaCheck1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION hourglass_check_quota(org_id uuid, plan text, used bigint, quota bigint) RETURNS boolean
      LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        IF used > quota THEN
          RAISE EXCEPTION 'org % is over the monthly task quota of its plan', org_id
            USING ERRCODE = 'HGQ01', DETAIL = json_build_object('plan', plan, 'limit', quota)::text;
        END IF;
        RETURN true;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION hourglass_check_quota(uuid, text, bigint, bigint)');
  }
}
