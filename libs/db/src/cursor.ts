import { AppError, ErrorCode } from '@hourglass/domain';
import { isUuid } from './ids.js';

/** Lists page by id (UUID v7, time-ordered). The cursor is opaque to clients: base64url of the last id. */
export const encodeCursor = (lastId: string): string => Buffer.from(lastId).toString('base64url');

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!isUuid(id))
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'cursor is not valid', [
      { field: 'cursor', message: 'is not a cursor this API returned' },
    ]);
  return id;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Rows were fetched with `limit + 1`: the extra row only says another page exists. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const data = rows.slice(0, limit);
  return { data, nextCursor: rows.length > limit ? encodeCursor(data[data.length - 1]!.id) : null };
}
