import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

type Deep<T> = T extends object ? { readonly [K in keyof T]: Deep<T[K]> } : T;

function deepFreeze<T>(value: T): Deep<T> {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value as Deep<T>;
}

/**
 * Validates the environment once against a class-validator class and maps it to a frozen, typed
 * config object. Throws one error listing every bad variable, before Nest starts.
 */
export function loadConfig<Env extends object, Config>(
  envClass: new () => Env,
  toConfig: (env: Env) => Config,
  source: Record<string, string | undefined> = process.env,
): Deep<Config> {
  const env = plainToInstance(envClass, { ...source }, { enableImplicitConversion: true });
  const errors = validateSync(env, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return deepFreeze(toConfig(env));
}

export const APP_CONFIG = Symbol('APP_CONFIG');
