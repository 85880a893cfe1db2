import { DataSource } from 'typeorm';
import { type Gateway, type KeyClient, startGateway } from './harness.js';

/** The secret part of `hg_<keyId>_<secret>`. */
const secretOf = (key: string) => key.slice(key.lastIndexOf('_') + 1);

interface Entry {
  id: string;
  at: string;
  actor: { type: string; id: string };
  action: string;
  resourceType: string;
  resourceId: string;
  changes: Record<string, [unknown, unknown]>;
}

describe('audit log: GET /v1/audit-log and its NDJSON export', () => {
  let gw: Gateway;
  let db: DataSource;
  beforeAll(async () => {
    gw = await startGateway();
    db = gw.app.get(DataSource);
  });
  afterAll(() => gw.close());

  const as = (key: string) => gw.as(key);
  const task = { request: { url: 'https://example.com/hook', headers: { authorization: 'Bearer MARKER-hdr' } } };
  /** An org, its admin client and the id of the key it calls with. */
  const newAdmin = async () => {
    const org = await gw.newOrg();
    const api = as(org.key);
    const keys = (await api.get('/v1/api-keys').expect(200)).body.data as { id: string }[];
    return { ...org, api, keyId: keys[0]!.id };
  };
  const log = async (api: KeyClient, query = ''): Promise<Entry[]> =>
    (await api.get(`/v1/audit-log${query}`).expect(200)).body.data;

  it('records who created, cancelled and keyed what, with the fields that changed and never a secret', async () => {
    const { api, keyId, orgId } = await newAdmin();
    const one = (await api.post('/v1/tasks', { ...task, delay: '1h', priority: 7 }).expect(201)).body;
    const batch = (await api.post('/v1/tasks/batch', { tasks: [task, task] }).expect(201)).body.data;
    await api.post(`/v1/tasks/${one.id}/cancel`).expect(200);
    const key = (await api.post('/v1/api-keys', { name: 'ci', scopes: ['read'] }).expect(201)).body;
    await api.delete(`/v1/api-keys/${key.id}`).expect(204);

    const entries = await log(api, '?limit=100');
    const byKey = { type: 'api_key', id: keyId };
    expect(entries.map((e) => [e.action, e.resourceId])).toEqual([
      ['api_key.revoked', key.id],
      ['api_key.created', key.id],
      ['task.cancelled', one.id],
      // One statement wrote both: same instant, ordered by id.
      ...[batch[1].id, batch[0].id].map((id: string) => ['task.created', id]),
      ['task.created', one.id],
      ['api_key.created', expect.any(String)],
      ['org.created', orgId],
    ]);
    const [revoked, created, cancelled, , , taskCreated, , orgCreated] = entries;
    expect(revoked).toMatchObject({ actor: byKey, resourceType: 'api_key', changes: { revoked: [false, true] } });
    expect(created!.changes).toEqual({ name: [null, 'ci'], scopes: [null, ['read']] });
    expect(cancelled!.changes).toEqual({ status: ['scheduled', 'cancelled'] });
    expect(taskCreated).toMatchObject({ actor: byKey, resourceType: 'task' });
    expect(taskCreated!.changes).toMatchObject({ status: [null, 'scheduled'], priority: [null, 7] });
    // Unchanged (null) fields and the request itself stay out.
    expect(Object.keys(taskCreated!.changes)).not.toEqual(expect.arrayContaining(['queue', 'url', 'headers']));
    expect(orgCreated).toMatchObject({ actor: { type: 'admin', id: 'admin' }, resourceType: 'org' });
    expect(orgCreated!.changes).toMatchObject({ name: [null, 'org'], signingSecret: [null, '[redacted]'] });

    const everything = JSON.stringify(entries);
    for (const secret of [key.key, secretOf(key.key), 'MARKER-hdr', 'whsec_']) expect(everything).not.toContain(secret);
  });

  it('records task edits and bulk actions, schedules, queues and signing secrets', async () => {
    const { api } = await newAdmin();
    const changesOf = async (action: string) => (await log(api, `?action=${action}`)).map((e) => e.changes);
    const id = (await api.post('/v1/tasks', { ...task, delay: '1h' }).expect(201)).body.id;
    await api
      .patch(`/v1/tasks/${id}`, { priority: 9, request: { url: 'https://example.com/MARKER-edit' } })
      .expect(200);
    expect(await changesOf('task.edited')).toEqual([{ priority: [5, 9], url: ['changed', 'changed'] }]);
    await api.post('/v1/tasks/cancel', { filter: {} }).expect(200);
    expect((await log(api, '?action=task.cancelled')).map((e) => e.resourceId)).toEqual([id]);

    const schedule = (
      await api
        .post('/v1/schedules', { name: 's1', cron: '0 9 * * *', request: { url: 'https://example.com/s' } })
        .expect(201)
    ).body;
    await api.patch(`/v1/schedules/${schedule.id}`, { name: 's2' }).expect(200);
    await api.post(`/v1/schedules/${schedule.id}/pause`).expect(200);
    const triggered = (await api.post(`/v1/schedules/${schedule.id}/trigger`).expect(201)).body;
    await api.delete(`/v1/schedules/${schedule.id}`).expect(204);
    const scheduleLog = await log(api, `?resourceType=schedule&resourceId=${schedule.id}`);
    expect(scheduleLog.map((e) => [e.action, e.changes])).toEqual([
      ['schedule.deleted', { deleted: [false, true] }],
      ['schedule.paused', { paused: [false, true] }],
      ['schedule.updated', { name: ['s1', 's2'] }],
      ['schedule.created', expect.objectContaining({ name: [null, 's1'], request: [null, 'changed'] })],
    ]);
    expect((await log(api, `?resourceId=${triggered.id}`)).map((e) => e.action)).toEqual(['task.created']);

    await api.post('/v1/queues', { name: 'q1' }).expect(201);
    await api.patch('/v1/queues/q1', { parallelism: 4 }).expect(200);
    await api.delete('/v1/queues/q1').expect(204);
    const queueLog = await log(api, '?resourceType=queue');
    expect(queueLog.map((e) => [e.action, e.changes])).toEqual([
      ['queue.deleted', { name: ['q1', null] }],
      ['queue.updated', { parallelism: [1, 4] }],
      ['queue.created', { name: [null, 'q1'], parallelism: [null, 1], paused: [null, false] }],
    ]);

    const key = (await api.post('/v1/api-keys', { name: 'ci', scopes: ['read'] }).expect(201)).body;
    const replacement = (await api.post(`/v1/api-keys/${key.id}/rotate`, { graceSeconds: 60 }).expect(201)).body;
    const [rotatedKey] = await log(api, `?action=api_key.rotated&resourceId=${key.id}`);
    expect(rotatedKey!.changes).toEqual({
      replacedBy: [null, replacement.id],
      graceEndsAt: [null, expect.any(String)],
    });
    expect((await log(api, `?resourceId=${replacement.id}`)).map((e) => e.action)).toEqual(['api_key.created']);

    const rotated = (await api.post('/v1/org/signing-secrets/rotate', {}).expect(201)).body;
    await api.post('/v1/org/signing-secrets/revoke-previous', {}).expect(200);
    expect(await changesOf('signing_secret.rotated')).toEqual([{ secret: [null, '[redacted]'] }]);
    expect(await changesOf('signing_secret.revoked')).toEqual([{ secret: ['[redacted]', null] }]);
    const everything = JSON.stringify(await log(api, '?limit=100'));
    expect(everything).not.toContain(rotated.signingSecret);
    for (const secret of [key.key, replacement.key]) expect(everything).not.toContain(secretOf(secret));
    expect(everything).not.toContain('MARKER');
  });

  it('filters by action, resource, actor and time, pages with a cursor, and never shows another org', async () => {
    const { api, keyId } = await newAdmin();
    const other = await newAdmin();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api.post('/v1/tasks', task).expect(201)).body.id);
    await other.api.post('/v1/tasks', task).expect(201);

    const pages: Entry[][] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const res: { body: { data: Entry[]; nextCursor: string | null } } = await api
        .get(`/v1/audit-log?action=task.created&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      pages.push(res.body.data);
      cursor = res.body.nextCursor;
    }
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((e) => e.resourceId)).toEqual([...ids].reverse());

    expect((await log(api, `?resourceType=task&resourceId=${ids[2]}`)).map((e) => e.resourceId)).toEqual([ids[2]]);
    expect(await log(api, `?actor=${keyId}&resourceType=org`)).toEqual([]);
    expect((await log(api, '?actor=admin')).map((e) => e.action)).toEqual(['api_key.created', 'org.created']);
    const third = (await log(api, `?resourceId=${ids[2]}`))[0]!;
    expect((await log(api, `?action=task.created&after=${third.at}`)).length).toBeGreaterThanOrEqual(3);
    expect(await log(api, '?before=2020-01-01T00:00:00Z')).toEqual([]);

    const otherTask = (await other.api.get('/v1/tasks').expect(200)).body.data[0].id;
    expect(await log(api, `?resourceId=${otherTask}`)).toEqual([]);
    expect(await log(other.api, `?resourceId=${ids[0]}`)).toEqual([]);
  });

  it('exports every matching entry as NDJSON', async () => {
    const { api } = await newAdmin();
    for (let i = 0; i < 3; i++) await api.post('/v1/tasks', task).expect(201);
    const res = await api.get('/v1/audit-log/export?action=task.created');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    const lines = res.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Entry);
    expect(lines.map((e) => e.action)).toEqual(['task.created', 'task.created', 'task.created']);
    expect(lines).toEqual(await log(api, '?action=task.created'));
  });

  it('takes the admin scope and answers bad filters with 400 naming the field', async () => {
    const { api } = await newAdmin();
    const reader = as((await gw.newOrg(['read', 'write'])).key);
    await reader.get('/v1/audit-log').expect(403);
    await reader.get('/v1/audit-log/export').expect(403);
    for (const [query, field] of [
      ['after=2026-02-30T00:00:00Z', 'after'],
      ['before=yesterday', 'before'],
      ['action=Task.Created', 'action'],
      ['action=task', 'action'],
      ['resourceId=not-a-uuid', 'resourceId'],
      ['actor=root', 'actor'],
      ['resourceType=user', 'resourceType'],
      ['limit=0', 'limit'],
      ['cursor=bm9wZQ', 'cursor'],
    ] as const) {
      for (const path of ['/v1/audit-log', '/v1/audit-log/export']) {
        const res = await api.get(`${path}?${query}`).expect(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
    }
  });

  it('keeps changes sealed at rest', async () => {
    const { api, orgId } = await newAdmin();
    await api.post('/v1/api-keys', { name: 'MARKER-keyname' }).expect(201);
    const rows: { changes: Buffer }[] = await db.query(
      `SELECT changes FROM audit_log WHERE org_id = $1 AND action = 'api_key.created' AND changes IS NOT NULL`,
      [orgId],
    );
    expect(rows.length).toBe(2);
    for (const row of rows) {
      expect(row.changes[0]).toBe(0); // the seal marker
      expect(row.changes.toString('latin1')).not.toContain('MARKER');
      expect(row.changes.toString('latin1')).not.toContain('scopes');
    }
  });
});
