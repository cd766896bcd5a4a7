import { containsKeyword, normalizeText } from './coupons';

/**
 * A member's message text is personal data: the webhook keeps it only when processing may need
 * it, and the processor drops it once applied. What processing reads in a text: a coupon keyword
 * anywhere in it, or a command at its start (attendance words, a correction).
 */
export interface WordsThatMatter {
  /** Matched anywhere (NFKC, case-insensitive): the group coupon's and coupons' own keywords. */
  anywhere: string[];
  /** Matched at the start, after an optional leading @mention: commands. */
  atStart: string[];
}

/** Whether processing may read this text; if unsure (no words known), it does. */
export function textMatters(text: string, words: WordsThatMatter | undefined): boolean {
  if (!words) return true;
  if (containsKeyword(text, words.anywhere)) return true;
  const normalized = normalizeText(text).trim();
  // The OA's name in a leading @mention may hold spaces: a command may start after any of them.
  const starts = normalized.startsWith('@')
    ? [...normalized.matchAll(/\s+/gu)].map((m) => normalized.slice((m.index ?? 0) + m[0].length))
    : [normalized];
  return words.atStart.some(
    (w) => w.trim() !== '' && starts.some((start) => start.startsWith(normalizeText(w.trim()))),
  );
}
