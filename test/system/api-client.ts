import { waitFor } from '@hourglass/testing';

/** A minimal client of the public API, for system tests: plain fetch, no SDK. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async expect<T = Record<string, unknown>>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const result = await this.call<T>(method, path, body);
    if (result.status !== status)
      throw new Error(`${method} ${path}: expected ${status}, got ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  }
}

export interface TaskView {
  id: string;
  status: string;
  attemptCount: number;
}

export interface AttemptView {
  number: number;
  outcome: string;
  statusCode: number | null;
  error: string | null;
}

/** Polls a task until it reaches a final status and returns it; throws once `timeoutMs` has passed. */
export function waitForFinish(api: ApiClient, id: string, timeoutMs = 30_000): Promise<TaskView> {
  return waitFor(
    () => api.expect<TaskView>(200, 'GET', `/v1/tasks/${id}`),
    (task) => ['succeeded', 'failed', 'cancelled'].includes(task.status),
    { timeoutMs, intervalMs: 100, what: `task ${id} to finish` },
  );
}
