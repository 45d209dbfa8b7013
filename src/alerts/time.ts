/** ISO 8601 UTC for an epoch-ms time; '' for a time Date cannot represent (never throws). */
export function isoTime(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
