import type { OpenApiContract } from '../openapi-contract.js';

export type Json = Record<string, unknown>;
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Json;
}

/** One operation of the live /openapi.json, with its schemas' refs resolved. */
export interface Operation {
  method: Method;
  template: string;
  /** `PATCH /v1/tasks/{id}`: how fixtures and reports name it. */
  name: string;
  pathParams: Parameter[];
  queryParams: Parameter[];
  /** The application/json request body schema, if the operation takes one. */
  body: Json | undefined;
  /** Schemas of the 2xx JSON responses. */
  successes: Json[];
  /** Routes that take the admin token, not an org's key. */
  admin: boolean;
}

const SCHEMAS = '#/components/schemas/';

/** The schema with every `$ref` replaced by what it points to (the document has no cycles). */
export function resolveRefs(document: Json, schema: unknown): Json {
  const components = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const ref = (node as Json).$ref;
    if (typeof ref === 'string' && ref.startsWith(SCHEMAS)) return walk(components[ref.slice(SCHEMAS.length)]);
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, walk(value)]));
  };
  return walk(schema) as Json;
}

/** Every operation under /v1 of the document the running gateway serves. */
export function operationsOf(contract: OpenApiContract): Operation[] {
  const document = contract.document;
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    if (!template.startsWith('/v1/')) continue;
    for (const [method, raw] of Object.entries(item)) {
      const parameters = ((raw.parameters ?? []) as Parameter[]).map((p) => ({
        ...p,
        schema: resolveRefs(document, p.schema),
      }));
      const content = (raw.requestBody as { content?: Record<string, { schema: Json }> } | undefined)?.content;
      const responses = raw.responses as Record<string, { content?: Record<string, { schema: Json }> }>;
      operations.push({
        method: method as Method,
        template,
        name: `${method.toUpperCase()} ${template}`,
        pathParams: parameters.filter((p) => p.in === 'path'),
        queryParams: parameters.filter((p) => p.in === 'query'),
        body: content?.['application/json'] ? resolveRefs(document, content['application/json'].schema) : undefined,
        successes: Object.entries(responses)
          .filter(([status]) => status.startsWith('2'))
          .flatMap(([, r]) =>
            r.content?.['application/json'] ? [resolveRefs(document, r.content['application/json'].schema)] : [],
          ),
        admin: template.startsWith('/v1/admin/'),
      });
    }
  }
  return operations;
}

/** `/v1/tasks/{id}/cancel` → `/v1/tasks/{id}`: the resource a path id names, the key of its fixture. */
export function resourceOf(template: string): string {
  const match = /^(.*?\{[^}]+\})/.exec(template);
  if (!match) throw new Error(`${template} has no path parameter`);
  return match[1]!;
}

/** The template with its (single) path parameter filled in. */
export function pathWith(template: string, id: string): string {
  return template.replace(/\{[^}]+\}/, encodeURIComponent(id));
}

/** Properties of a resolved object schema (the first object branch of an anyOf). */
export function propertiesOf(schema: Json | undefined): Record<string, Json> {
  if (!schema) return {};
  if (schema.properties) return schema.properties as Record<string, Json>;
  for (const branch of (schema.anyOf ?? schema.oneOf ?? []) as Json[]) {
    const properties = propertiesOf(branch);
    if (Object.keys(properties).length > 0) return properties;
  }
  return {};
}
