import { AddressPolicy } from '@hourglass/domain';

/** The settings validators read, as a service's config holds them (every one optional). */
export interface ValidationSettings {
  /** Non-public ranges a target URL may name: `'all'` in local mode, else HOURGLASS_ALLOW_PRIVATE_TARGETS. */
  privateTargets?: readonly string[] | 'all';
}

/** What validators may need beyond the value itself: the deployment's settings. */
export interface ValidationContext {
  /** Which target addresses a URL field may name (create-time refusal). */
  targets: AddressPolicy;
}

export function validationContextOf(settings: ValidationSettings = {}): ValidationContext {
  return { targets: new AddressPolicy(settings.privateTargets ?? []) };
}

/** Outside the pipe (a DTO validated by hand) every non-public target is refused. */
let current: ValidationContext = validationContextOf();

/** The context of the validation running now (the validation pipe validates synchronously, so it is exact). */
export function validationContext(): ValidationContext {
  return current;
}

/** Runs a synchronous validation with `context` visible to its validators. */
export function withValidationContext<T>(context: ValidationContext, run: () => T): T {
  const previous = current;
  current = context;
  try {
    return run();
  } finally {
    current = previous;
  }
}
