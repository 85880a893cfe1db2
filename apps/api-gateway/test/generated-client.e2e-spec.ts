import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import ts from 'typescript';
import { startGateway, type Gateway } from './harness.js';

/**
 * A client generated from the running gateway's /openapi.json with standard tools (openapi-typescript for
 * the types, openapi-fetch as the client): the program below must type-check against the generated types,
 * then run against the gateway: create, read and cancel a task. defaultNonNullable: false, since a
 * request may leave out a property that has a default (openapi-typescript's default reads it as required).
 */
const workDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../node_modules/.cache/generated-client-smoke');

const SMOKE = `
import createClient from 'openapi-fetch';
import type { paths, components } from './openapi.js';

type Task = components['schemas']['Task'];

export async function smoke(baseUrl: string, key: string): Promise<Task[]> {
  const client = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${key}\` } });
  const created = await client.POST('/v1/tasks', {
    body: { request: { url: 'https://example.com/hook', method: 'POST', body: '{}' }, delay: '1h' },
    params: { header: { 'Idempotency-Key': 'generated-client-smoke' } },
  });
  if (!created.data) throw new Error('create: ' + JSON.stringify(created.error));
  const id: string = created.data.id;
  const read = await client.GET('/v1/tasks/{id}', { params: { path: { id } } });
  if (!read.data) throw new Error('get: ' + JSON.stringify(read.error));
  const cancelled = await client.POST('/v1/tasks/{id}/cancel', { params: { path: { id } } });
  if (!cancelled.data) throw new Error('cancel: ' + JSON.stringify(cancelled.error));
  const missing = await client.GET('/v1/tasks/{id}', { params: { path: { id: 'tsk_missing' } } });
  const code: string | undefined = missing.error?.code;
  if (code !== 'TASK_NOT_FOUND' && code !== 'NOT_FOUND') throw new Error('missing: ' + JSON.stringify(missing.error));
  return [created.data, read.data, cancelled.data];
}
`;

function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    skipLibCheck: true,
    types: [],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('a client generated from /openapi.json', () => {
  let gw: Gateway;
  let baseUrl: string;
  beforeAll(async () => {
    gw = await startGateway();
    await gw.app.listen(0, '127.0.0.1');
    baseUrl = await gw.app.getUrl();
    await rm(workDir, { recursive: true, force: true });
    await mkdir(workDir, { recursive: true });
    await writeFile(join(workDir, 'package.json'), '{"type":"module"}');
  });
  afterAll(async () => {
    await gw.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('type-checks, then creates, reads and cancels a task', async () => {
    const document = (await gw.http().get('/openapi.json').expect(200)).body as OpenAPI3;
    await writeFile(
      join(workDir, 'openapi.d.ts'),
      astToString(await openapiTS(document, { defaultNonNullable: false })),
    );
    const smokeFile = join(workDir, 'smoke.ts');
    await writeFile(smokeFile, SMOKE);
    expect(typeErrors([smokeFile])).toEqual([]);

    const js = ts.transpileModule(SMOKE, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023 },
    }).outputText;
    await writeFile(join(workDir, 'smoke.mjs'), js);
    const { smoke } = (await import(pathToFileURL(join(workDir, 'smoke.mjs')).href)) as {
      smoke: (baseUrl: string, key: string) => Promise<{ id: string; status: string }[]>;
    };
    const { key } = await gw.newOrg();
    const [created, read, cancelled] = await smoke(baseUrl.replace('[::1]', '127.0.0.1'), key);
    expect(created!.status).toBe('scheduled');
    expect(read!.id).toBe(created!.id);
    expect(cancelled!.status).toBe('cancelled');
  });
});
