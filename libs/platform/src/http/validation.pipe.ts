import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { ValidationError, validateSync, type ValidatorOptions } from 'class-validator';
import { AppError, ErrorCode, type FieldError } from '@hourglass/domain';
import { cacheValidationMetadata } from './validation-metadata-cache.js';
import {
  type ValidationContext,
  validationContextOf,
  type ValidationSettings,
  withValidationContext,
} from './validation-context.js';

/** A validator's failure may name its own error code: `@Validate…({ context: { code: 'TARGET_NOT_ALLOWED' } })`. */
interface CodedContext {
  code?: ErrorCode;
}

interface Failure extends FieldError {
  code: ErrorCode;
}

function flatten(errors: ValidationError[], prefix = ''): Failure[] {
  return errors.flatMap((error) => {
    const field = /^\d+$/.test(error.property)
      ? `${prefix}[${error.property}]`
      : prefix
        ? `${prefix}.${error.property}`
        : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([name, message]) => ({
      field,
      message: message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message,
      code: (error.contexts?.[name] as CodedContext | undefined)?.code ?? ErrorCode.VALIDATION_FAILED,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** VALIDATION_FAILED with field errors, or the validators' own code when every failure names the same one. */
export function validationProblem(errors: ValidationError[]): AppError {
  const failures = flatten(errors);
  const codes = new Set(failures.map((f) => f.code));
  const code = codes.size === 1 ? [...codes][0]! : ErrorCode.VALIDATION_FAILED;
  const detail =
    code === ErrorCode.TARGET_NOT_ALLOWED
      ? 'A target URL names a private, loopback or link-local address, which this deployment refuses'
      : 'The request is not valid';
  return new AppError(
    code,
    detail,
    failures.map(({ field, message }) => ({ field, message })),
  );
}

/** Classes marked with RefusesNull, each with the fields where null stays a value (it clears them). */
const refusingNull = new WeakMap<object, ReadonlySet<string>>();

/**
 * A body whose fields may be left out but never set to null, but those named in `nullable`: `@IsOptional()`
 * (and `PartialType`) let null through to the service, which wrote it over a required column (a 500).
 */
export function RefusesNull(...nullable: string[]): ClassDecorator {
  return (target) => void refusingNull.set(target, new Set(nullable));
}

/** Nulls a RefusesNull class refuses, in the body and in its nested DTOs (`filter.label`, `tasks[2].retry`). */
function nullFields(object: object, prefix = ''): ValidationError[] {
  const nullable = refusingNull.get(object.constructor);
  return Object.entries(object).flatMap(([property, value]): ValidationError[] => {
    const path = prefix ? `${prefix}.${property}` : property;
    if (value === null)
      return nullable && !nullable.has(property)
        ? [
            Object.assign(new ValidationError(), {
              property: path,
              value: null,
              constraints: { isNotNull: 'must not be null' },
              children: [],
            }),
          ]
        : [];
    if (Array.isArray(value)) return value.flatMap((item, i) => (isDto(item) ? nullFields(item, `${path}[${i}]`) : []));
    return isDto(value) ? nullFields(value, path) : [];
  });
}

/** A class-transformer instance of one of our DTO classes (not a plain map such as labels). */
const isDto = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) !== Object.prototype;

/**
 * Validates synchronously (none of our validators is async) inside this app's validation context,
 * so a validator can read a setting such as the target policy without being given the config.
 */
class ContextValidationPipe extends ValidationPipe {
  constructor(private readonly context: ValidationContext) {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: true,
      exceptionFactory: validationProblem,
    });
  }

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Nest reads a null body as a missing one ({}): a body of all-optional fields would pass as `{}`.
    if (value === null && metadata.type === 'body')
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'The request body must be a JSON object, not null');
    return super.transform(value, metadata);
  }

  protected override validate(object: object, validatorOptions?: ValidatorOptions): ValidationError[] {
    const errors = withValidationContext(this.context, () => validateSync(object, validatorOptions));
    // A field whose own validators ran on the null (no @IsOptional) already says what is wrong with it.
    const reported = new Set(errors.map((error) => error.property));
    return [...nullFields(object).filter((error) => !reported.has(error.property.split(/[.[]/)[0]!)), ...errors];
  }
}

/**
 * Unknown fields are rejected (never mass-assigned); failures become VALIDATION_FAILED with field
 * errors. `settings` is the service's config: validators read what `ValidationSettings` names.
 */
export function createValidationPipe(settings: ValidationSettings = {}): ValidationPipe {
  cacheValidationMetadata();
  return new ContextValidationPipe(validationContextOf(settings));
}
