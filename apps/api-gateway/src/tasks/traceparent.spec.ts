import { traceparentFor } from './traceparent.js';

describe('traceparentFor', () => {
  const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('keeps a well-formed header', () => {
    expect(traceparentFor(valid)).toBe(valid);
  });

  it.each([
    undefined,
    '',
    'garbage',
    `ff-${valid.slice(3)}`,
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    [valid],
  ])('generates a fresh one for %p', (header) => {
    const generated = traceparentFor(header);
    expect(generated).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(generated).not.toBe(valid);
  });
});
