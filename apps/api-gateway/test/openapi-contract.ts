import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import type supertest from 'supertest';
import type { Gateway } from './harness.js';

type Json = Record<string, unknown>;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Exchange {
  status: number;
  /** As supertest parsed it: tests read it field by field. */
  body: supertest.Response['body'];
  headers: Record<string, string>;
}

const SCHEMAS = '#/components/schemas/';
/** Answered by the HTTP layer for any route (see libs/platform/src/http), so no operation lists them. */
const HTTP_LAYER_STATUSES = new Set([405, 408, 414, 431]);
const DEFS = 'openapi#/$defs/';

/** The document's `#/components/schemas/X` refs, pointed at the copy registered in ajv as `openapi#/$defs/X`. */
function pointRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(pointRefs);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith(SCHEMAS)
        ? DEFS + value.slice(SCHEMAS.length)
        : pointRefs(value),
    ]),
  );
}

// ajv-formats is CommonJS: under Node's ESM its plugin is the module itself, under TypeScript its default.
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  addFormatsModule) as FormatsPlugin;

/**
 * The gateway's own /openapi.json as a contract: every response a test gets through `call` must have a
 * status the operation declares, the declared content type, and a body valid against the declared
 * schema (JSON Schema 2020-12, which OpenAPI 3.1 schemas are), else the call throws.
 */
export class OpenApiContract {
  /** "METHOD /template status" of every response checked, to tell which operations were exercised. */
  readonly seen = new Set<string>();
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: { template: string; pattern: RegExp; literals: number }[];

  private constructor(
    readonly document: Json & { paths: Record<string, Record<string, Json>> },
    private readonly gw: Gateway,
  ) {
    // strict: a keyword JSON Schema does not know (OpenAPI 3.0's `nullable`) is an error, not ignored.
    this.ajv = new Ajv2020({ strict: true, strictTypes: false, strictRequired: false, allErrors: true });
    this.ajv.addKeyword('example');
    this.ajv.removeKeyword('nullable'); // ajv's OpenAPI 3.0 extension; 3.1 writes type: [T, 'null']
    addFormats(this.ajv);
    const components = (document.components ?? {}) as { schemas?: Json };
    this.ajv.addSchema({ $id: 'openapi', $defs: pointRefs(components.schemas ?? {}) as Json });
    this.templates = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      literals: template.split('/').filter((s) => s && !s.startsWith('{')).length,
    }));
  }

  static async load(gw: Gateway): Promise<OpenApiContract> {
    const res = await gw.http().get('/openapi.json').expect(200);
    return new OpenApiContract(res.body as OpenApiContract['document'], gw);
  }

  /** Sends the request and checks the response against the document; returns it for the test's own checks. */
  async call(
    method: Method,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Exchange> {
    let req: supertest.Test = this.gw.http()[method](path);
    if (options.token) req = req.set('authorization', `Bearer ${options.token}`);
    for (const [name, value] of Object.entries(options.headers ?? {})) req = req.set(name, value);
    if (options.body !== undefined)
      req = typeof options.body === 'string' ? req.send(options.body) : req.send(options.body as object);
    const res = await req;
    const exchange = { status: res.status, body: res.body, headers: res.headers as Record<string, string> };
    this.check(method, path.split('?')[0]!, exchange, res.text);
    if (exchange.status < 300 && options.body !== undefined && typeof options.body !== 'string') {
      this.checkRequest(method, path.split('?')[0]!, options.body);
    }
    return exchange;
  }

  /**
   * What is wrong with a response some other test got (null when nothing is), for the harness to check
   * every e2e response. Paths no operation declares (an unknown route) and the statuses the HTTP layer
   * answers before routing (405, 408, 414, 431: problem+json, not declared per operation) are not judged.
   */
  violation(method: string, url: string, res: supertest.Response): string | null {
    const path = new URL(url, 'http://gateway').pathname;
    const lower = method.toLowerCase() as Method;
    if (!this.templates.some((t) => t.pattern.test(path) && this.document.paths[t.template]![lower])) return null;
    const contentType = String(res.headers['content-type'] ?? '');
    if (HTTP_LAYER_STATUSES.has(res.status) && contentType.startsWith('application/problem+json')) return null;
    try {
      this.check(lower, path, { status: res.status, body: res.body, headers: res.headers }, res.text);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /** Like `call`, and the status must be `status`. */
  async expect(status: number, ...args: Parameters<OpenApiContract['call']>): Promise<Exchange> {
    const exchange = await this.call(...args);
    if (exchange.status !== status) {
      throw new Error(
        `${args[0].toUpperCase()} ${args[1]}: expected ${status}, got ${exchange.status} ${JSON.stringify(exchange.body)}`,
      );
    }
    return exchange;
  }

  private operation(method: Method, path: string): { template: string; operation: Json } {
    const candidates = this.templates
      .filter((t) => t.pattern.test(path) && this.document.paths[t.template]![method])
      .sort((a, b) => b.literals - a.literals);
    const match = candidates[0];
    if (!match) throw new Error(`${method.toUpperCase()} ${path}: no such operation in /openapi.json`);
    return { template: match.template, operation: this.document.paths[match.template]![method] as Json };
  }

  private check(method: Method, path: string, exchange: Exchange, text: string): void {
    const { template, operation } = this.operation(method, path);
    const where = `${method.toUpperCase()} ${template} → ${exchange.status}`;
    const responses = operation.responses as Record<string, { content?: Record<string, { schema: Json }> }>;
    const declared = responses[String(exchange.status)];
    if (!declared) {
      throw new Error(`${where}: status not declared (declared: ${Object.keys(responses).join(', ')}): ${text}`);
    }
    this.seen.add(`${method.toUpperCase()} ${template} ${exchange.status}`);
    if (!declared.content) {
      if (text !== '') throw new Error(`${where}: declared without content, got a body: ${text}`);
      return;
    }
    const contentType = (exchange.headers['content-type'] ?? '').split(';')[0]!.trim();
    const media = declared.content[contentType];
    if (!media) {
      throw new Error(
        `${where}: content type ${contentType} not declared (${Object.keys(declared.content).join(', ')})`,
      );
    }
    const key = `${where} ${contentType}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(pointRefs(media.schema) as Json);
      this.validators.set(key, validate);
    }
    const body = /[/+]json$/.test(contentType) ? exchange.body : text; // supertest parses JSON only (not NDJSON)
    if (!validate(body)) {
      throw new Error(`${where}: body does not match the schema: ${this.ajv.errorsText(validate.errors)}\n${text}`);
    }
  }

  /** A request the server accepted must be one the document accepts too. */
  private checkRequest(method: Method, path: string, body: unknown): void {
    const { template, operation } = this.operation(method, path);
    const schema = (operation.requestBody as { content?: Record<string, { schema: Json }> } | undefined)?.content?.[
      'application/json'
    ]?.schema;
    const where = `${method.toUpperCase()} ${template} request`;
    if (!schema) throw new Error(`${where}: the server took a JSON body the document does not declare`);
    let validate = this.validators.get(where);
    if (!validate) {
      validate = this.ajv.compile(pointRefs(schema) as Json);
      this.validators.set(where, validate);
    }
    if (!validate(body)) {
      throw new Error(
        `${where}: accepted by the server, rejected by the document: ${this.ajv.errorsText(validate.errors)}`,
      );
    }
  }

  /** Operations under /v1 for which no 2xx response was checked. */
  unexercised(): string[] {
    const missing: string[] = [];
    for (const [template, item] of Object.entries(this.document.paths)) {
      if (!template.startsWith('/v1/')) continue;
      for (const method of Object.keys(item)) {
        const op = `${method.toUpperCase()} ${template}`;
        if (![...this.seen].some((s) => s.startsWith(`${op} 2`))) missing.push(op);
      }
    }
    return missing;
  }
}
