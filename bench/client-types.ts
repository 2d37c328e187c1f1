/**
 * `npm run bench:client-types`: how long `tsc` takes to check a file that imports the typed client and makes ten
 * calls, typed per feature router (bench/client-types/ten-calls.ts) and through hc<AppType> (ten-calls-app.ts), and
 * the app alone (baseline.ts). A consumer's type-check pays for the source its types come from, and AppType's RPC
 * types cost seconds more on top: hence the per-feature `routes<typeof xRouter>()`.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const RUNS = Number(process.env.RUNS ?? 3)

function checkTime(name: string) {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now()
    const out = execFileSync(
      'node_modules/.bin/tsc',
      ['-p', `bench/client-types/tsconfig.${name}.json`, '--extendedDiagnostics'],
      { encoding: 'utf8' },
    )
    const total = (performance.now() - started) / 1000
    const check = Number(/Check time:\s+([\d.]+)s/.exec(out)?.[1] ?? Number.NaN)
    const memory = /Memory used:\s+(\d+)K/.exec(out)?.[1]
    // Instantiations and types do not depend on the machine's load, unlike the times on a shared machine.
    const instantiations = /Instantiations:\s+(\d+)/.exec(out)?.[1]
    const types = /Types:\s+(\d+)/.exec(out)?.[1]
    times.push(total)
    console.log(
      `${name}: ${total.toFixed(2)} s wall, check ${check.toFixed(2)} s, ${instantiations} instantiations, ` +
        `${types} types, memory ${memory} K`,
    )
  }
  return Math.min(...times)
}

process.chdir(fileURLToPath(new URL('..', import.meta.url)))
const base = checkTime('baseline')
const whole = checkTime('ten-calls-app')
const perFeature = checkTime('ten-calls')
console.log(
  `\nbest of ${RUNS} (wall): the app alone ${base.toFixed(2)} s; ten calls through hc<AppType> ${whole.toFixed(2)} s`,
)
console.log(`ten calls typed per feature router: ${perFeature.toFixed(2)} s`)
