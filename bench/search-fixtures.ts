/** Fixtures of `npm run bench:search`: projects and many tasks, inserted by Postgres itself. */
import pg from 'pg'

export const TASKS = Number(process.env.BENCH_SEARCH_TASKS ?? 100_000)
const WORDS = [
  'temperature', 'sensor', 'calibrate', 'freezer', 'door', 'alarm', 'report', 'probe', 'compressor', 'defrost',
  'humidity', 'chiller', 'warehouse', 'inspection', 'battery', 'firmware', 'gateway', 'vaccine', 'dairy', 'seafood',
  'audit', 'threshold', 'excursion', 'logger', 'pallet', 'loading', 'dock', 'shipment', 'customer', 'invoice',
] // biome-ignore format: one vocabulary

/** 20 projects (the demo user in the first 10) and TASKS tasks spread over them, in a few statements. */
export async function fixtures(url: string) {
  const db = new pg.Client({ connectionString: url })
  await db.connect()
  try {
    const words = `array[${WORDS.map((w) => `'${w}'`).join(',')}]`
    const pick = (seed: string) => `(${words})[1 + abs(hashtext(${seed})) % ${WORDS.length}]`
    await db.query(`
      with owner as (select id from users where email = 'admin@outpost.dev'),
           member as (select id from users where email = 'user@outpost.dev'),
           made as (
             insert into projects (name, description, owner_id)
             select 'Site ' || n || ' ' || ${pick("n || 'p'")}, 'Cold chain site ' || n, (select id from owner)
             from generate_series(1, 20) n returning id, name)
      insert into project_members (project_id, user_id, role)
      select id, (select id from owner), 'owner' from made
      union all
      select id, (select id from member), 'member' from made where split_part(name, ' ', 2)::int <= 10`)
    await db.query(
      `
      insert into tasks (project_id, title, description, priority, created_by)
      select p.ids[1 + n % 20],
             initcap(${pick("n || 'a'")}) || ' ' || ${pick("n || 'b'")} || ' ' || ${pick("n || 'c'")} || ' #' || n,
             'Check the ' || ${pick("n || 'd'")} || ' and the ' || ${pick("n || 'e'")} || ' before the ' || ${pick("n || 'f'")},
             (array['low','medium','high','urgent'])[1 + n % 4],
             (select id from users where email = 'admin@outpost.dev')
      from generate_series(1, $1::int) n, (select array_agg(id order by name) ids from projects) p`,
      [TASKS],
    )
    await db.query('analyze projects; analyze tasks; analyze project_members')
  } finally {
    await db.end()
  }
}
