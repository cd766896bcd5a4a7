import {
  classifyPastLeave,
  countDay,
  type CountedDeparture,
  currentDeparture,
  type DayCountChange,
  type DepartureKind,
} from '../domain/departures';
import type { Group } from '../domain/group';
import type { LifecyclePolicy } from '../domain/lifecycle';
import type { GroupEventRecord, GroupRegistry, RegistryChange } from './ports';

export interface DayCountDeps {
  registry: Pick<GroupRegistry, 'eventsBetween'>;
  policy: LifecyclePolicy;
}

const LATE_FACT = new Set(['join', 'message', 'postback', 'memberJoined', 'memberLeft']);

/**
 * How a save moves the overview's per-day counters, so that they end the same whatever order the
 * events came in: every join event counts once on its day; every leave event counts once on its
 * day, as an ejection or a leave. The leave the chat's status rests on is counted by the status
 * (and moved when a late event rereads it); any other leave by the events recorded around it
 * (`classifyPastLeave`), again whenever a late join or message lands just before it.
 *
 * Returns the chat with the departure it now counts, the records with `countedAs` on each leave,
 * and the change to write in the same transaction.
 */
export async function dayCounts(
  before: Group | undefined,
  group: Group,
  records: GroupEventRecord[],
  deps: DayCountDeps,
): Promise<{
  group: Group;
  records: GroupEventRecord[];
  change: Pick<RegistryChange, 'days' | 'recounted'>;
}> {
  const days: DayCountChange[] = [];
  const recounted: NonNullable<RegistryChange['recounted']> = [];
  const count = (at: string, kind: DayCountChange['kind'], delta = 1) =>
    days.push({ day: countDay(at), kind, delta });
  const recount = (eventKey: string, at: string, from: DepartureKind, to: DepartureKind) => {
    if (from === to) return;
    count(at, from, -1);
    count(at, to, 1);
    recounted.push({ eventKey, from, to });
  };
  const windowMs = deps.policy.ejectionWindowMs;
  const minus = (at: string, ms: number) => new Date(Date.parse(at) - ms).toISOString();
  // Records around a leave: those stored (one Query, only for leaves that are not current) and
  // those about to be saved with it.
  const around = async (leaveAt: string) => [
    ...(await deps.registry.eventsBetween(group.groupId, minus(leaveAt, windowMs), leaveAt)),
    ...records,
  ];

  const counted = records.map((r) => ({ ...r }));
  for (const r of counted) if (r.eventType === 'join') count(r.eventAt, 'joins');

  const current = currentDeparture(group);
  const previous = before?.departureCounted;
  let departure: CountedDeparture | undefined;
  if (current && previous?.at === current.at) {
    // The same leave, read again (a late join makes it an ejection, a late message a removal).
    recount(previous.eventKey, previous.at, previous.kind, current.kind);
    departure = { ...previous, kind: current.kind };
  } else if (current) {
    const leave = counted.find((r) => r.eventType === 'leave' && r.eventAt === current.at);
    if (leave) departure = { eventKey: leave.eventKey, at: current.at, kind: current.kind };
  }
  if (previous && previous.eventKey !== departure?.eventKey) {
    // The status no longer rests on it (a newer leave, or a rejoin): counted by its records.
    recount(
      previous.eventKey,
      previous.at,
      previous.kind,
      classifyPastLeave(previous.at, await around(previous.at), deps.policy),
    );
  }
  for (const r of counted) {
    if (r.eventType !== 'leave') continue;
    r.countedAs =
      r.eventKey === departure?.eventKey
        ? departure.kind
        : classifyPastLeave(r.eventAt, await around(r.eventAt), deps.policy);
    count(r.eventAt, r.countedAs);
  }

  // A late join or message can turn a recorded leave just after it into an ejection or back.
  const settled = new Set([...counted.map((r) => r.eventKey), departure?.eventKey, previous?.eventKey]);
  for (const late of counted) {
    if (!LATE_FACT.has(late.eventType) || group.leftAt === undefined || late.eventAt >= group.leftAt)
      continue;
    const until = minus(late.eventAt, -windowMs);
    for (const leave of await deps.registry.eventsBetween(group.groupId, late.eventAt, until)) {
      if (leave.eventType !== 'leave' || !leave.countedAs || settled.has(leave.eventKey)) continue;
      settled.add(leave.eventKey);
      recount(
        leave.eventKey,
        leave.eventAt,
        leave.countedAs,
        classifyPastLeave(leave.eventAt, await around(leave.eventAt), deps.policy),
      );
    }
  }

  const next: Group = { ...group };
  if (departure) next.departureCounted = departure;
  else delete next.departureCounted;
  return {
    group: next,
    records: counted,
    change: { ...(days.length > 0 && { days }), ...(recounted.length > 0 && { recounted }) },
  };
}
