import { startGateway, type Gateway } from './harness.js';

describe('tasks: callback fields', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('accepts and returns failureCallbackUrl; a task created through the API is of kind "task"', async () => {
    const { key } = await gw.newOrg();
    const body = {
      request: { url: 'https://example.com/hook' },
      callbackUrl: 'https://example.com/done',
      failureCallbackUrl: 'https://example.com/failed',
    };
    const res = await gw.http().post('/v1/tasks').set('authorization', `Bearer ${key}`).send(body).expect(201);
    expect(res.body).toMatchObject({
      callbackUrl: body.callbackUrl,
      failureCallbackUrl: body.failureCallbackUrl,
      kind: 'task',
      parentTaskId: null,
    });
    const got = await gw.http().get(`/v1/tasks/${res.body.id}`).set('authorization', `Bearer ${key}`).expect(200);
    expect(got.body).toMatchObject({ failureCallbackUrl: body.failureCallbackUrl, kind: 'task', parentTaskId: null });
  });

  it('rejects a failureCallbackUrl that is not an absolute http(s) URL', async () => {
    const { key } = await gw.newOrg();
    for (const failureCallbackUrl of ['failed', 'ftp://example.com/x']) {
      const res = await gw
        .http()
        .post('/v1/tasks')
        .set('authorization', `Bearer ${key}`)
        .send({ request: { url: 'https://example.com/hook' }, failureCallbackUrl })
        .expect(400);
      expect(res.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'failureCallbackUrl', message: 'must be an absolute http(s) URL' }],
      });
    }
  });
});
