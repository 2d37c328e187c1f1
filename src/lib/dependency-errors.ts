/**
 * Which thrown errors mean "a dependency failed" (Postgres unreachable, out of connections or
 * shutting down, a platform binding overloaded) rather than a bug: the client may retry those,
 * so they answer 503 with `Retry-After`, never 500.
 */

/** Seconds a client should wait before retrying after a dependency failure. */
export const DEPENDENCY_RETRY_AFTER_S = 5

// SQLSTATE classes: 08 connection exception, 53 insufficient resources (too many connections, out
// of memory or disk), 58 system error; 57P01-57P04 shutdown / cannot connect now; 57014 a statement
// cancelled by its timeout.
const TRANSIENT_SQLSTATE = /^(08|53|58)...$|^57P0[1-4]$|^57014$/

// What the Neon driver (HTTP and WebSocket), the pg protocol client and the runtime's fetch throw
// when the database or its proxy cannot be reached or drops the connection.
const CONNECTION_FAILURE =
  /^Dependency down: |Error connecting to database|Server error \(HTTP status 5\d\d\)|Connection terminated|timeout exceeded when trying to connect|connection error and is not queryable|Query read timeout|fetch failed|Network connection lost|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|WebSocket (connection|was closed|error)/i

function transient(err: object) {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; retryable?: unknown; overloaded?: unknown }
  // Postgres answered: only its code says whether that was the database failing; the message may quote input.
  if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return TRANSIENT_SQLSTATE.test(e.code)
  // Durable Object and other binding errors say themselves whether a retry may succeed.
  if (e.retryable === true || e.overloaded === true) return true
  if (e.name === 'TimeoutError') return true
  // drizzle's wrapper quotes the statement and its parameters; its cause is checked instead.
  if (typeof e.message !== 'string' || e.message.startsWith('Failed query:')) return false
  return CONNECTION_FAILURE.test(e.message)
}

/** True when `err`, or an error it wraps (drizzle wraps the driver's), is a dependency failure. */
export function isDependencyFailure(err: unknown): boolean {
  let current: unknown = err
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    if (transient(current)) return true
    const next = current as { cause?: unknown; sourceError?: unknown }
    current = next.cause ?? next.sourceError
  }
  return false
}

/**
 * The error a Durable Object throws to its caller for a dependency failure. RPC carries only an error's name and
 * message across, not its SQLSTATE code or its cause, so the message says it for `isDependencyFailure` on the
 * caller's side (a statement timeout would otherwise reach the client as a 500). Other errors pass unchanged.
 */
export function acrossRpc(err: unknown): unknown {
  if (!isDependencyFailure(err)) return err
  return new Error(`Dependency down: ${err instanceof Error ? err.message : String(err)}`)
}
