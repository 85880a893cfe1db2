import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface ComposeService {
  build?: { target: string; dockerfile: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] };
  deploy?: { replicas?: number };
  profiles?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  stop_grace_period?: string;
  volumes?: string[];
}

/** docker-compose.yml's services, YAML merge keys (`<<: *service`) applied as compose applies them. */
export function composeServices(root: string): Record<string, ComposeService> {
  return parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }).services;
}
