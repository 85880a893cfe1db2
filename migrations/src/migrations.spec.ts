import { EXPECTED_MIGRATION } from '@hourglass/db';
import { MIGRATIONS } from './migrations.js';

describe('MIGRATIONS', () => {
  it('ends with the migration the services expect (EXPECTED_MIGRATION)', () => {
    expect(new MIGRATIONS[MIGRATIONS.length - 1]!().name).toBe(EXPECTED_MIGRATION);
  });

  it('are in timestamp order with unique names', () => {
    const stamps = MIGRATIONS.map((m) => Number(/(\d{13})$/.exec(m.name)![1]));
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
    expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length);
  });
});
