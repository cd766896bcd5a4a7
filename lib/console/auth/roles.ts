/** What a signed-in person may do: read every page, or also change things. */
export type ConsoleRole = 'viewer' | 'operator';

/** The roles' names: Cognito groups on AWS, values of the roles claim with any provider. */
export const CONSOLE_ROLES = ['operator', 'viewer'] as const;

/**
 * The person's role from the roles claim: a list (`cognito:groups`, Entra ID's `roles`) or a
 * string of names separated by spaces or commas. `operator` wins over `viewer`; neither: none.
 */
export function roleFrom(claims: Record<string, unknown>, claim: string): ConsoleRole | undefined {
  const value = claims[claim];
  const names = Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : typeof value === 'string'
      ? value.split(/[\s,]+/)
      : [];
  if (names.includes('operator')) return 'operator';
  if (names.includes('viewer')) return 'viewer';
  return undefined;
}
