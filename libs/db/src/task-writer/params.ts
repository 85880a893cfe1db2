/**
 * The parameters of one statement built in pieces: `add` appends a value and names it (`$n`).
 * A statement that embeds pg-boss's job INSERT starts with its value, so that INSERT keeps `$1`
 * as pg-boss wrote it (see `jobsInsertStatement`) and ours follow.
 */
export class Params {
  readonly values: unknown[];

  constructor(first: unknown[] = []) {
    this.values = [...first];
  }

  add(value: unknown): string {
    return `$${this.values.push(value)}`;
  }
}
