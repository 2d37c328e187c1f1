export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

// LOG_LEVEL is one per deployment, so one per isolate: loadConfig sets it for every entry point (requests, queue
// consumers, cron, Durable Objects), which all load the config before they log.
let threshold: LogLevel = 'info'
export const setLogLevel = (level: LogLevel) => {
  threshold = level
}

/** Writes one JSON line, which Workers Logs indexes field by field, unless it is below LOG_LEVEL (or `min`). */
export function log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}, min: LogLevel = threshold) {
  if (ORDER[level] < ORDER[min]) return
  const line = JSON.stringify({ level, msg, time: new Date().toISOString(), ...fields })
  if (level === 'error') console.error(line)
  else if (level === 'warn') console.warn(line)
  else console.log(line)
}

export function errorFields(err: unknown) {
  return err instanceof Error ? { error: err.message, errorName: err.name, stack: err.stack } : { error: String(err) }
}
