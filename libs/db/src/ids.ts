import { v7 } from 'uuid';

/** UUID v7: time-ordered, so ids double as a stable, index-friendly sort key for cursors. */
export const newId = (): string => v7();

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);
