/** Shared by the functions (Powertools) and the stack (alarms), so the two cannot disagree. */
export const SERVICE_NAME = 'line-groups';
export const METRICS_NAMESPACE = 'LineGroups';
