/**
 * workerd's DevTools inspector (startStack({ inspectorPort })), for what /proc cannot tell: the JS heap a Worker's
 * isolate still uses after a full garbage collection. RSS never shrinks back (V8 keeps the pages it grew), so a leak
 * check compares this instead.
 */
import WebSocket from 'ws'

export type Inspector = { heapUsedMb(): Promise<number>; close(): void }

export async function inspect(port: number, worker: string): Promise<Inspector> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
    title: string
    webSocketDebuggerUrl: string
  }[]
  const target = targets.find((t) => t.title.includes(worker))
  if (!target) throw new Error(`no inspector target for ${worker} (have: ${targets.map((t) => t.title).join(', ')})`)
  const ws = new WebSocket(target.webSocketDebuggerUrl)
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  let next = 0
  const pending = new Map<number, (result: unknown) => void>()
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown }
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result)
    pending.delete(msg.id ?? -1)
  })
  const send = <T>(method: string) =>
    new Promise<T>((resolve) => {
      const id = ++next
      pending.set(id, resolve as (r: unknown) => void)
      ws.send(JSON.stringify({ id, method }))
    })
  return {
    async heapUsedMb() {
      await send('HeapProfiler.collectGarbage')
      const { usedSize } = await send<{ usedSize: number }>('Runtime.getHeapUsage')
      return Math.round((usedSize / 2 ** 20) * 10) / 10
    },
    close: () => ws.close(),
  }
}
