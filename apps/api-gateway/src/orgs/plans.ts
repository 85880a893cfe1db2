import type { Plan } from '@hourglass/domain';
import type { ApiGatewayConfig } from '../config.js';

/**
 * The limits of an org's plan. An org whose plan was since removed from HOURGLASS_PLANS gets
 * `free` rather than failing every request: the operator's fix is to re-add the plan or move the org.
 */
export function planFor(config: ApiGatewayConfig, name: string): Plan {
  return config.plans[name] ?? config.plans['free']!;
}

export const planExists = (config: ApiGatewayConfig, name: string): boolean => Object.hasOwn(config.plans, name);
