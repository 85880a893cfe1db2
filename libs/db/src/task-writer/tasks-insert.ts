import type { NewTask } from '../repositories/task.repository.js';
import { ALL_COLUMNS } from '../repositories/task.repository.js';
import type { FieldCipher } from '../encryption/field-cipher.js';
import { sealRow } from '../encryption/sealed-rows.js';
import type { Params } from './params.js';

/**
 * The multi-row INSERT of `rows` (ids and job ids set; their orgs' keys loaded in `cipher`), their
 * customer data sealed, returning every column (sealed). `skipOccurrences`:
 * a schedule occurrence already written (same schedule_id and fire_at, a concurrent tick) is left
 * out of the insert and of what is returned, instead of failing the statement.
 */
export function tasksInsertSql(params: Params, rows: NewTask[], cipher: FieldCipher, skipOccurrences = false): string {
  const column = <K extends keyof NewTask>(key: K) => params.add(rows.map((row) => row[key] ?? null));
  const json = (pick: (row: NewTask) => unknown) => params.add(rows.map((row) => JSON.stringify(pick(row))));
  const sealed = rows.map((row) => sealRow(cipher, 'tasks', row));
  const sealedColumn = (prop: string) => params.add(sealed.map((row) => row[prop] ?? null));
  return `INSERT INTO tasks (id, org_id, status, url, method, headers, body, timeout_ms, run_at, max_attempts, labels,
                          priority, queue, callback_url, schedule_id, fire_at, trace_parent, job_id, expected_status_codes,
                          expected_body_pattern, retry_on_4xx, kind, parent_task_id, failure_callback_url, notify)
       SELECT u.id, u.org_id, u.status, u.url, u.method, u.headers, u.body, u.timeout_ms, u.run_at, u.max_attempts, u.labels,
              u.priority, u.queue, u.callback_url, u.schedule_id, u.fire_at, u.trace_parent, u.job_id,
              -- unnest flattens a 2-D array, so each row's status codes travel as a JSON array.
              CASE WHEN u.codes IS NULL THEN NULL ELSE ARRAY(
                SELECT c::smallint FROM jsonb_array_elements_text(u.codes) WITH ORDINALITY AS e(c, n) ORDER BY n) END,
              u.pattern, u.retry_on_4xx, u.kind, u.parent_task_id, u.failure_callback_url, u.notify
         FROM unnest(${column('id')}::uuid[], ${column('orgId')}::uuid[], ${column('status')}::text[], ${sealedColumn('url')}::bytea[],
                     ${column('method')}::text[], ${sealedColumn('headers')}::bytea[], ${sealedColumn('body')}::bytea[],
                     ${column('timeoutMs')}::int[], ${column('runAt')}::timestamptz[], ${column('maxAttempts')}::int[],
                     ${json((r) => r.labels)}::jsonb[], ${column('priority')}::smallint[], ${column('queue')}::text[],
                     ${sealedColumn('callbackUrl')}::bytea[], ${column('scheduleId')}::uuid[], ${column('fireAt')}::timestamptz[],
                     ${column('traceParent')}::text[], ${column('jobId')}::uuid[],
                     ${params.add(rows.map((r) => (r.expectedStatusCodes ? JSON.stringify(r.expectedStatusCodes) : null)))}::jsonb[],
                     ${column('expectedBodyPattern')}::text[], ${params.add(rows.map((r) => r.retryOn4xx ?? false))}::boolean[],
                     ${params.add(rows.map((r) => r.kind ?? 'task'))}::text[], ${column('parentTaskId')}::uuid[],
                     ${sealedColumn('failureCallbackUrl')}::bytea[],
                     ${params.add(rows.map((r) => (r.notify ? JSON.stringify(r.notify) : null)))}::jsonb[])
           AS u(id, org_id, status, url, method, headers, body, timeout_ms, run_at, max_attempts, labels, priority, queue,
                callback_url, schedule_id, fire_at, trace_parent, job_id, codes, pattern, retry_on_4xx, kind, parent_task_id, failure_callback_url, notify)
       ${skipOccurrences ? 'ON CONFLICT (schedule_id, fire_at) WHERE schedule_id IS NOT NULL DO NOTHING' : ''}
       RETURNING ${ALL_COLUMNS}`;
}
