import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SigningRotationAndCallbacks1764400000000 implements MigrationInterface {
  name = 'SigningRotationAndCallbacks1764400000000';

  async up(_q: QueryRunner): Promise<void> {
    // filled in by the feature that owns it
  }

  async down(_q: QueryRunner): Promise<void> {
    // filled in by the feature that owns it
  }
}
