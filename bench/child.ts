/**
 * Helper processes (the WebSocket proxy, the Node baseline) run in their own Node process so they
 * never share an event loop with autocannon. Each one reports `{ ready: port }` over IPC.
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'

export type Child = { port: number; stop: () => Promise<void> }

const isReady = (m: unknown): m is { ready: number } =>
  typeof m === 'object' && m !== null && typeof (m as { ready?: unknown }).ready === 'number'

export async function startChild(entry: string, env: Record<string, string>, timeoutMs = 30_000): Promise<Child> {
  const child = fork(entry, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = () => child.exitCode !== null || child.signalCode !== null
  const stop = async () => {
    if (exited()) return
    const gone = once(child, 'exit')
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await gone
    clearTimeout(timer)
  }
  // A parent that dies without cleaning up must not leave the helper running.
  process.once('exit', () => exited() || child.kill('SIGKILL'))
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${entry} did not report ready within ${timeoutMs} ms`)),
        timeoutMs,
      )
      child.once('message', (m) => {
        clearTimeout(timer)
        if (isReady(m)) resolve(m.ready)
        else reject(new Error(`${entry} failed: ${JSON.stringify(m)}`))
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`${entry} exited before it was ready (${signal ?? `code ${code}`})`))
      })
    })
    return { port, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** For the child side: report the port, and exit when told to or when the parent goes away. */
export function serveUntilStopped(port: number, close: () => Promise<void>) {
  let closing = false
  const shutdown = () => {
    if (closing) return
    closing = true
    void close().finally(() => process.exit(0))
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)
  process.once('disconnect', shutdown)
  process.send?.({ ready: port })
}
