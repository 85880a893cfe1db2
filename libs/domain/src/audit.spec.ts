import { AUDIT_ACTION_PATTERN, diffChanges } from './audit.js';

describe('diffChanges', () => {
  it('keeps only the fields whose value changed, as [before, after]', () => {
    expect(diffChanges({ a: 1, b: { x: [1] }, c: 'same' }, { a: 2, b: { x: [1] }, c: 'same', d: true })).toEqual({
      a: [1, 2],
      d: [null, true],
    });
  });

  it('records creation and deletion against null, restricted to the given fields', () => {
    expect(diffChanges(null, { name: 'n', secret: 's' }, ['name'])).toEqual({ name: [null, 'n'] });
    expect(diffChanges({ name: 'n' }, null)).toEqual({ name: ['n', null] });
  });
});

describe('AUDIT_ACTION_PATTERN', () => {
  it.each(['task.created', 'signing_secret.rotated'])('accepts %s', (action) =>
    expect(AUDIT_ACTION_PATTERN.test(action)).toBe(true),
  );
  it.each(['task', 'Task.created', 'task.created.x', "task.c'; drop"])('rejects %s', (action) =>
    expect(AUDIT_ACTION_PATTERN.test(action)).toBe(false),
  );
});
