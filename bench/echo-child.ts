// Child process: the cron target (scripts/echo-server.ts) on BENCH_ECHO_PORT (0: any free port), so
// recording hits never shares an event loop with the bench's polling.
import { startEchoServer } from '../scripts/echo-server'
import { serveUntilStopped } from './child'

const echo = await startEchoServer(Number(process.env.BENCH_ECHO_PORT ?? 0))
serveUntilStopped(Number(new URL(echo.url).port), echo.close)
