import { Inject, Injectable } from '@nestjs/common';
import { AuditTrail, Channel, newId, notify, QueueRepository, type QueuePatch, type QueueRow } from '@hourglass/db';
import { type Actor, AppError, ErrorCode } from '@hourglass/domain';
import { entry } from '../audit/audit-entries.js';
import { DataSource } from 'typeorm';
import {
  type CreateQueueDto,
  RATE_PERIODS,
  type QueueResponse,
  toQueueResponse,
  type UpdateQueueDto,
} from './queues.dto.js';

const QUEUE_AUDITED = ['name', 'parallelism', 'rateCount', 'ratePerMs', 'paused'] as const;

@Injectable()
export class QueuesService {
  constructor(
    @Inject(QueueRepository) private readonly queues: QueueRepository,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
  ) {}

  async create(orgId: string, actor: Actor, dto: CreateQueueDto): Promise<QueueResponse> {
    const rate = ratePatch(dto.rateLimit);
    const row = await this.db.transaction(async (em) => {
      const queue = await this.queues.insert(
        {
          id: newId(),
          orgId,
          name: dto.name,
          parallelism: dto.parallelism ?? 1,
          rateCount: rate?.rateCount ?? null,
          ratePerMs: rate?.ratePerMs ?? null,
        },
        em,
      );
      if (queue)
        await this.audit.record(em, [entry(actor, orgId, 'queue.created', queue.id, null, queue, QUEUE_AUDITED)]);
      return queue;
    });
    if (!row)
      throw new AppError(
        ErrorCode.QUEUE_ALREADY_EXISTS,
        `A queue named "${dto.name}" already exists in this organization`,
      );
    return toQueueResponse(row);
  }

  async list(orgId: string): Promise<{ data: QueueResponse[] }> {
    return { data: (await this.queues.listForOrg(orgId)).map((row) => toQueueResponse(row)) };
  }

  async get(orgId: string, name: string): Promise<QueueResponse> {
    const row = await this.findOrThrow(orgId, name);
    return toQueueResponse(row, await this.queues.stats(orgId, name));
  }

  update(orgId: string, actor: Actor, name: string, dto: UpdateQueueDto): Promise<QueueResponse> {
    return this.patch(orgId, actor, 'updated', name, {
      ...(dto.parallelism === undefined ? {} : { parallelism: dto.parallelism }),
      ...ratePatch(dto.rateLimit),
    });
  }

  pause(orgId: string, actor: Actor, name: string): Promise<QueueResponse> {
    return this.patch(orgId, actor, 'paused', name, { paused: true });
  }

  resume(orgId: string, actor: Actor, name: string): Promise<QueueResponse> {
    return this.patch(orgId, actor, 'resumed', name, { paused: false });
  }

  async delete(orgId: string, actor: Actor, name: string): Promise<void> {
    const result = await this.queues.deleteIfEmpty(orgId, name, (em, id) =>
      this.audit.record(em, [entry(actor, orgId, 'queue.deleted', id, { name }, null)]),
    );
    if (result === 'missing') throw notFound(name);
    if (result === 'not_empty')
      throw new AppError(ErrorCode.QUEUE_NOT_EMPTY, `Queue "${name}" still has unfinished tasks; cancel them or wait`);
  }

  /** Any change can open slots (resume, more parallelism, a looser rate): wake the dispatchers' admission. */
  private async patch(
    orgId: string,
    actor: Actor,
    verb: string,
    name: string,
    patch: QueuePatch,
  ): Promise<QueueResponse> {
    const row = await this.db.transaction(async (em) => {
      const before = await this.queues.find(orgId, name, em);
      const after = before && (await this.queues.update(orgId, name, patch, em));
      if (!after) return null;
      await this.audit.record(em, [entry(actor, orgId, `queue.${verb}`, after.id, before, after, QUEUE_AUDITED)]);
      await notify(em, Channel.TasksReady, after.id);
      return after;
    });
    if (!row) throw notFound(name);
    return toQueueResponse(row);
  }

  private async findOrThrow(orgId: string, name: string): Promise<QueueRow> {
    const row = await this.queues.find(orgId, name);
    if (!row) throw notFound(name);
    return row;
  }
}

const notFound = (name: string) => new AppError(ErrorCode.QUEUE_NOT_FOUND, `No queue "${name}" in this organization`);

/** undefined: leave as is; null: remove the limit. */
function ratePatch(rate: UpdateQueueDto['rateLimit']): Pick<QueuePatch, 'rateCount' | 'ratePerMs'> | undefined {
  if (rate === undefined) return undefined;
  return rate === null
    ? { rateCount: null, ratePerMs: null }
    : { rateCount: rate.count, ratePerMs: RATE_PERIODS[rate.per] };
}
