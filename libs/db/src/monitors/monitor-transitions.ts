import type { EntityManager } from 'typeorm';
import { formatDuration, type MonitorState, type Step } from '@hourglass/domain';
import { newId } from '../ids.js';
import { raiseNotificationEvent } from '../notifications/notification-events.js';
import { Channel, notify } from '../notify.js';
import type { MonitorRepository, MonitorRow } from './monitor.repository.js';

const STATE_PROPS = [
  'status',
  'consecutiveFailures',
  'lastPingAt',
  'lastStartedAt',
  'lastRunId',
  'nextDeadlineAt',
  'deadlineKind',
] as const satisfies readonly (keyof MonitorState)[];

const same = (a: unknown, b: unknown) =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;

/**
 * Writes a state machine step of a monitor locked by `em`'s transaction, with what it causes in the
 * same transaction: `down` opens the incident and raises `monitor.down`, `up` resolves it and raises
 * `monitor.up`. Both events are keyed by the incident (`incident:<id>:down|up`), and the open incident
 * is unique per monitor, so an evaluator that repeats a step (a failed-over leader) raises nothing twice.
 * An earlier deadline than before is announced on MonitorsChanged, so the leader re-plans its sleep.
 */
export async function recordMonitorStep(
  em: EntityManager,
  monitors: MonitorRepository,
  monitor: MonitorRow,
  step: Step,
  at: Date,
): Promise<MonitorRow> {
  const patch: Partial<MonitorState> = {};
  for (const prop of STATE_PROPS)
    if (!same(monitor[prop], step.state[prop])) (patch as Record<string, unknown>)[prop] = step.state[prop];
  const updated =
    Object.keys(patch).length > 0
      ? ((await monitors.update(monitor.orgId, monitor.id, patch, em)) ?? monitor)
      : monitor;
  const transition = step.transition;
  if (transition?.kind === 'down') {
    const incidentId = await monitors.openIncident(
      {
        id: newId(),
        monitorId: monitor.id,
        orgId: monitor.orgId,
        startedAt: at,
        resolvedAt: null,
        cause: transition.cause,
      },
      em,
    );
    if (incidentId)
      await raiseNotificationEvent(em, {
        orgId: monitor.orgId,
        event: 'monitor.down',
        subjectType: 'monitor',
        subjectId: monitor.id,
        notify: monitor.notify,
        dedupKey: `incident:${incidentId}:down`,
        payload: {
          title: `Monitor "${monitor.name}" is down`,
          summary: `${capitalize(transition.cause)} (since ${at.toISOString()}).`,
          severity: 'critical',
          fields: { monitor: monitor.name, type: monitor.type, status: 'down', cause: transition.cause },
          monitorId: monitor.id,
          incidentId,
        },
      });
  } else if (transition?.kind === 'up') {
    const incident = await monitors.resolveIncident(monitor.id, at, em);
    if (incident) {
      const durationMs = incident.resolvedAt!.getTime() - incident.startedAt.getTime();
      await raiseNotificationEvent(em, {
        orgId: monitor.orgId,
        event: 'monitor.up',
        subjectType: 'monitor',
        subjectId: monitor.id,
        notify: monitor.notify,
        dedupKey: `incident:${incident.id}:up`,
        payload: {
          title: `Monitor "${monitor.name}" is up again`,
          summary: `Down for ${formatDuration(Math.round(durationMs / 1000) * 1000)} (${incident.cause}).`,
          severity: 'ok',
          fields: { monitor: monitor.name, type: monitor.type, status: 'up', downFor: formatDuration(durationMs) },
          monitorId: monitor.id,
          incidentId: incident.id,
          durationMs,
        },
      });
    }
  }
  const before = monitor.nextDeadlineAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const after = step.state.nextDeadlineAt?.getTime();
  if (after !== undefined && after < before) await notify(em, Channel.MonitorsChanged, monitor.id);
  return updated;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
