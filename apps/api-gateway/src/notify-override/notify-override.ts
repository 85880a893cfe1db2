import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import type { NotifyOverride } from '@hourglass/db';
import { constraint } from '../tasks/task.validators.js';

/** Most channels one task, schedule or monitor may name. */
export const MAX_NOTIFY_CHANNELS = 20;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Why `value` is not a notify override, or undefined when it is: `"none"`, or `{ channelIds }`
 * with 1-20 distinct uuids and no other key. Whether the channels exist is the fan-out's
 * business (a deleted channel is skipped there), so only the shape is checked here.
 */
export function notifyOverrideRefusal(value: unknown): string | undefined {
  if (value === null || value === undefined || value === 'none') return undefined;
  const shape = `must be "none" or { "channelIds": [1-${MAX_NOTIFY_CHANNELS} channel ids] }`;
  if (typeof value !== 'object' || Array.isArray(value)) return shape;
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0] !== 'channelIds') return shape;
  const ids = (value as { channelIds: unknown }).channelIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_NOTIFY_CHANNELS) return shape;
  if (!ids.every((id) => typeof id === 'string' && UUID.test(id))) return 'channelIds must be channel ids (uuids)';
  if (new Set(ids.map((id: string) => id.toLowerCase())).size !== ids.length) return 'channelIds must not repeat';
  return undefined;
}

/** The stored form: ids lower-cased, so the fan-out compares them as the database writes them. */
export function notifyOverrideOf(value: unknown): NotifyOverride {
  if (value === undefined || value === null) return null;
  if (value === 'none') return 'none';
  return { channelIds: (value as { channelIds: string[] }).channelIds.map((id) => id.toLowerCase()) };
}

/** The `notify` property of a task, schedule or monitor as read back. */
export const NotifyView = (subject: string) =>
  ApiProperty({
    nullable: true,
    oneOf: [
      { type: 'object', properties: { channelIds: { type: 'array', items: { type: 'string', format: 'uuid' } } } },
      { type: 'string', enum: ['none'] },
    ],
    description: `Who hears of this ${subject}'s alerts; null: the organization's default channels`,
  });

/** The `notify` property of a create or edit body (null or left out: the org's default channels). */
export const NotifyProperty = (subject: string) =>
  applyDecorators(
    ApiPropertyOptional({
      nullable: true,
      oneOf: [
        {
          type: 'object',
          required: ['channelIds'],
          additionalProperties: false,
          properties: {
            channelIds: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_NOTIFY_CHANNELS,
              uniqueItems: true,
              items: { type: 'string', format: 'uuid' },
            },
          },
        },
        { type: 'string', enum: ['none'] },
      ],
      description: `Who hears of this ${subject}'s alerts: these notification channels, "none" for nobody; left out or null, the organization's default channels`,
    }),
    IsOptional(),
    constraint('isNotifyOverride', notifyOverrideRefusal),
  );
