import { RESEAL_WALKS } from './reseal.js';
import { SEALED_FIELDS } from './sealed-rows.js';

describe('data-key rotation walks', () => {
  it('cover every sealed table exactly once, so a rotation leaves no table under the old key', () => {
    const walked = RESEAL_WALKS.flatMap((walk) => [walk.parent, ...walk.children.map((child) => child.table)]);
    expect([...walked].sort()).toEqual(Object.keys(SEALED_FIELDS).sort());
  });
});
