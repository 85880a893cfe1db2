import { randomBytes } from 'node:crypto';
import type { Gateway } from '../harness.js';
import type { OpenApiContract } from '../openapi-contract.js';
import type { Operation } from './operations.js';

const url = 'https://example.com/hook';
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/**
 * A body each operation accepts (fresh on every call: names are unique per org). An operation with a
 * JSON body and no entry here fails the attack suites: a new route needs its fixture to be covered.
 */
export const VALID_BODIES: Record<string, () => Record<string, unknown>> = {
  'POST /v1/admin/orgs': () => ({ name: unique('org') }),
  'PATCH /v1/admin/orgs/{orgId}': () => ({ name: unique('renamed') }),
  'POST /v1/admin/orgs/{orgId}/api-keys': () => ({ name: unique('key'), scopes: ['read'] }),
  'POST /v1/api-keys': () => ({ name: unique('key'), scopes: ['read'] }),
  'POST /v1/api-keys/{id}/rotate': () => ({ graceSeconds: 60 }),
  'POST /v1/tasks': () => ({ request: { url }, delay: '1h' }),
  'POST /v1/tasks/batch': () => ({ tasks: [{ request: { url }, delay: '1h' }] }),
  'PATCH /v1/tasks/{id}': () => ({ priority: 7 }),
  'POST /v1/tasks/cancel': () => ({ filter: { status: 'scheduled' }, dryRun: true }),
  'POST /v1/tasks/replay': () => ({ filter: { status: 'cancelled' }, dryRun: true }),
  'POST /v1/schedules': () => ({ name: unique('s'), cron: '0 9 * * *', request: { url } }),
  'PATCH /v1/schedules/{id}': () => ({ priority: 7 }),
  'POST /v1/org/signing-secrets/rotate': () => ({ overlap: '1h' }),
  'POST /v1/queues': () => ({ name: unique('q') }),
  'PATCH /v1/queues/{name}': () => ({ parallelism: 3 }),
  'POST /v1/endpoints': () => ({ name: unique('e'), forward: [{ url }] }),
  'PATCH /v1/endpoints/{id}': () => ({ name: unique('renamed') }),
  'POST /v1/events/{id}/replay': () => ({}),
  'POST /v1/endpoints/{id}/events/replay': () => ({ filter: { status: 'forwarded' }, dryRun: true }),
  'POST /v1/notification-channels': () => ({ name: unique('c'), type: 'webhook', url, events: ['task.failed'] }),
  'PATCH /v1/notification-channels/{id}': () => ({ name: unique('renamed') }),
  'POST /v1/monitors': () => ({ name: unique('m'), type: 'heartbeat', every: '1h' }),
  'PATCH /v1/monitors/{id}': () => ({ name: unique('renamed') }),
  'POST /v1/status-pages': () => ({ slug: unique('page'), title: 'Status', monitorIds: [] }),
  'PATCH /v1/status-pages/{id}': () => ({ title: unique('renamed') }),
};

export function validBody(operation: Operation): Record<string, unknown> | undefined {
  if (!operation.body) return undefined;
  const build = VALID_BODIES[operation.name];
  if (!build) throw new Error(`${operation.name}: no valid body in attacks/fixtures.ts VALID_BODIES; add one`);
  return build();
}

export interface SeededOrg {
  orgId: string;
  key: string;
  /** The path ids of every resource kind, by `resourceOf(template)`: several states where a route branches on it. */
  ids: Record<string, string[]>;
}

/** An org with a resource of every kind a path id can name. */
export async function seedOrg(gw: Gateway, contract: OpenApiContract): Promise<SeededOrg> {
  const { orgId, key } = await gw.newOrg();
  const as = { token: key };
  const queue = (await contract.expect(201, 'post', '/v1/queues', { ...as, body: VALID_BODIES['POST /v1/queues']!() }))
    .body.name as string;
  const pending = (
    await contract.expect(201, 'post', '/v1/tasks', { ...as, body: { request: { url }, delay: '1h', queue } })
  ).body.id as string;
  const cancelled = (
    await contract.expect(201, 'post', '/v1/tasks', { ...as, body: { request: { url }, delay: '1h' } })
  ).body.id as string;
  await contract.expect(200, 'post', `/v1/tasks/${cancelled}/cancel`, as);
  const cron = (
    await contract.expect(201, 'post', '/v1/schedules', { ...as, body: VALID_BODIES['POST /v1/schedules']!() })
  ).body.id as string;
  const paused = (
    await contract.expect(201, 'post', '/v1/schedules', {
      ...as,
      body: { name: unique('p'), interval: '1h', request: { url } },
    })
  ).body.id as string;
  await contract.expect(200, 'post', `/v1/schedules/${paused}/pause`, as);
  const apiKey = (
    await contract.expect(201, 'post', '/v1/api-keys', { ...as, body: VALID_BODIES['POST /v1/api-keys']!() })
  ).body.id as string;
  const secrets = await contract.expect(201, 'post', '/v1/org/signing-secrets/rotate', {
    ...as,
    body: { overlap: '1h' },
  });
  const listed = await contract.expect(200, 'get', '/v1/org/signing-secrets', as);
  const endpoint = (
    await contract.expect(201, 'post', '/v1/endpoints', { ...as, body: VALID_BODIES['POST /v1/endpoints']!() })
  ).body.id as string;
  const slug = (await contract.expect(200, 'get', `/v1/endpoints/${endpoint}`, as)).body.slug as string;
  const event = (await gw.http().post(`/in/${slug}`).send({ hello: 'world' }).expect(202)).body.id as string;
  const channel = (
    await contract.expect(201, 'post', '/v1/notification-channels', {
      ...as,
      body: VALID_BODIES['POST /v1/notification-channels']!(),
    })
  ).body.id as string;
  const heartbeat = (
    await contract.expect(201, 'post', '/v1/monitors', { ...as, body: VALID_BODIES['POST /v1/monitors']!() })
  ).body.id as string;
  const httpMonitor = (
    await contract.expect(201, 'post', '/v1/monitors', {
      ...as,
      body: { name: unique('h'), type: 'http', every: '1h', request: { url } },
    })
  ).body.id as string;
  await contract.expect(200, 'post', `/v1/monitors/${httpMonitor}/pause`, as);
  const statusPage = (
    await contract.expect(201, 'post', '/v1/status-pages', {
      ...as,
      body: { slug: unique('page'), title: 'Status', monitorIds: [heartbeat, httpMonitor] },
    })
  ).body.id as string;
  return {
    orgId,
    key,
    ids: {
      '/v1/notification-channels/{id}': [channel],
      '/v1/monitors/{id}': [heartbeat, httpMonitor],
      '/v1/admin/orgs/{orgId}': [orgId],
      '/v1/tasks/{id}': [pending, cancelled],
      '/v1/schedules/{id}': [cron, paused],
      '/v1/queues/{name}': [queue],
      '/v1/api-keys/{id}': [apiKey],
      '/v1/endpoints/{id}': [endpoint],
      '/v1/events/{id}': [event],
      '/v1/status-pages/{id}': [statusPage],
      '/v1/org/signing-secrets/{id}': [
        secrets.body.id as string,
        ...(listed.body.data as { id: string }[]).map((s) => s.id).filter((id) => id !== secrets.body.id),
      ],
    },
  };
}

export function idsFor(org: SeededOrg, resource: string): string[] {
  const ids = org.ids[resource];
  if (!ids)
    throw new Error(`${resource}: no fixture in attacks/fixtures.ts seedOrg; add one so its routes are attacked`);
  return ids;
}
