import 'reflect-metadata';
import { IsInt, IsString, registerDecorator, validateSync } from 'class-validator';
import { cacheValidationMetadata } from './validation-metadata-cache.js';

class Base {
  @IsString() name!: unknown;
}

class Child extends Base {
  @IsInt() count!: unknown;
}

const failing = (object: object) => validateSync(object).map((error) => error.property);

describe('cacheValidationMetadata', () => {
  beforeAll(() => cacheValidationMetadata());

  it('finds a class’s own and inherited rules, as class-validator does', () => {
    expect(failing(Object.assign(new Child(), { name: 1, count: 'x' }))).toEqual(['count', 'name']);
    expect(failing(Object.assign(new Child(), { name: 'a', count: 2 }))).toEqual([]);
    expect(failing(Object.assign(new Base(), { name: 1 }))).toEqual(['name']);
  });

  it('sees a rule registered after a class was validated (a registration forgets what was looked up)', () => {
    const late = Object.assign(new Child(), { name: 'a', count: 2 });
    expect(failing(late)).toEqual([]);
    registerDecorator({
      name: 'neverValid',
      target: Child,
      propertyName: 'count',
      validator: { validate: () => false, defaultMessage: () => 'never valid' },
    });
    expect(failing(late)).toEqual(['count']);
  });
});
