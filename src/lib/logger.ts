export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Writes one JSON line, which Workers Logs indexes field by field. */
export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}, min: LogLevel = 'debug') {
  if (ORDER[level] < ORDER[min]) return
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields })
  if (level === 'error') console.error(line)
  else if (level === 'warn') console.warn(line)
  else console.log(line)
}

export function errorFields(err: unknown) {
  return err instanceof Error ? { error: err.message, errorName: err.name, stack: err.stack } : { error: String(err) }
}
