// Type-checks the dashboard page (src/dashboard-ui) against the DOM and the typed client. The page needs the DOM
// library, the client's route types need the Worker's (workers-types): the two disagree on a few globals (Request's
// `cf`, BufferSource, crypto.DigestStream), which shows up only in Worker files that `npm run typecheck` already
// checks under workers-types alone. So only the page's own files are checked here (tsconfig.dashboard.json), which
// also costs a fraction of a whole-program check.
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const configPath = join(root, 'tsconfig.dashboard.json')
const { config } = ts.readConfigFile(configPath, ts.sys.readFile)
const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configPath)
const program = ts.createProgram(parsed.fileNames, parsed.options)
const own = program.getSourceFiles().filter((f) => relative(root, f.fileName).startsWith(join('src', 'dashboard-ui')))
const diagnostics = [
  ...program.getOptionsDiagnostics(),
  ...own.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
]
if (diagnostics.length) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }
  console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, host))
  process.exit(1)
}
console.log(`dashboard: ${own.length} files type-check`)
