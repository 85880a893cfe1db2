/**
 * The newest migration this build's entities and queries expect. `/readyz` reports not ready until
 * it has been applied; a unit test in migrations/ keeps it equal to the last migration.
 */
export const EXPECTED_MIGRATION = 'NotificationOutbox1765800000000';
