import type { Correction, PunchFact } from '../../domain/attendance/shifts';

/** A chat's attendance switch and clock (off everywhere until an operator turns it on). */
export interface AttendanceSettings {
  groupId: string;
  enabled: boolean;
  /** IANA zone, e.g. `Asia/Tokyo`. */
  timeZone: string;
  /** `HH:MM`: a shift belongs to the day it started, days starting here. */
  dayStarts: string;
  updatedAt: string;
}

/** A correction an operator cannot decide: unknown, or decided already. */
export class CorrectionNotPendingError extends Error {
  constructor(readonly correctionId: string) {
    super(`no pending correction ${correctionId} (see: npm run attendance -- corrections)`);
    this.name = 'CorrectionNotPendingError';
  }
}

/** The attendance table. Each record is written once, keyed by its webhook event: a redelivery writes nothing. */
export interface AttendanceStore {
  settings(groupId: string): Promise<AttendanceSettings | undefined>;
  putSettings(settings: AttendanceSettings): Promise<void>;
  /** False when this event was recorded before (nothing is written). */
  recordPunch(groupId: string, punch: PunchFact): Promise<boolean>;
  /** False when this event was recorded before (nothing is written). */
  recordCorrection(correction: Correction): Promise<boolean>;
  /** A command answered without a record (no sender, a malformed correction): kept a day, to answer once. */
  recordAnswered(groupId: string, webhookEventId: string, at: string): Promise<boolean>;
  /** The chat's punches from `from` to `to` (event time, both included), of one member if given. */
  punchesBetween(groupId: string, from: string, to: string, userId?: string): Promise<PunchFact[]>;
  /** The chat's corrections for days `from` to `to` (`YYYY-MM-DD`, both included). */
  corrections(groupId: string, from: string, to: string): Promise<Correction[]>;
  /** Corrections waiting for an operator, oldest first. */
  pendingCorrections(limit?: number): Promise<Correction[]>;
  /**
   * Approves or rejects a pending correction once.
   * @throws CorrectionNotPendingError when it is unknown or decided already
   */
  decide(correctionId: string, status: 'approved' | 'rejected', by: string, at: Date): Promise<Correction>;
  /** Everything kept about a person (their punches and corrections), by the byUser index. */
  ofUser(userId: string): Promise<((PunchFact & { groupId: string }) | Correction)[]>;
  /** Deletes it all; how many records. */
  forgetUser(userId: string): Promise<number>;
}
