// Child process: the Neon WebSocket->TCP proxy from scripts/local-stack.ts, on BENCH_PROXY_PORT.
import { startWsProxy } from '../scripts/local-stack'
import { serveUntilStopped } from './child'

const proxy = await startWsProxy(Number(process.env.BENCH_PROXY_PORT))
serveUntilStopped(proxy.port, proxy.close)
