/** One JSON object per line: CloudWatch Logs Insights can filter on deploymentId and phase. */
export function logJson(level: 'info' | 'error', fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, time: new Date().toISOString(), ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
}
