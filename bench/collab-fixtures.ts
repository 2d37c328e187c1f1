/**
 * Fixtures of `npm run bench:collab`, inserted directly with `pg`: MEMBERS users with the `user`
 * role (one password, hashed once with src/lib/password.ts), one project owned by the first and
 * joined by the others as `member`, and TASKS tasks spread over statuses, priorities and due dates,
 * each assigned to a member round-robin.
 */
import pg from 'pg'
import { hashPassword } from '../src/lib/password'

export const BENCH_MEMBER_PASSWORD = 'outpost-bench-member'

export type CollabFixtures = {
  projectId: string
  members: Array<{ id: string; email: string }>
  taskIds: string[]
}

export async function collabFixtures(url: string, o: { members: number; tasks: number }): Promise<CollabFixtures> {
  const db = new pg.Client({ connectionString: url })
  await db.connect()
  try {
    await db.query('begin')
    const members = (
      await db.query<{ id: string; email: string }>(
        `insert into users (email, name, password_hash, email_verified_at)
         select 'bench-member-' || n || '@outpost.invalid', 'Bench Member ' || n, $1, now()
         from generate_series(1, $2::int) n
         returning id, email`,
        [await hashPassword(BENCH_MEMBER_PASSWORD), o.members],
      )
    ).rows.sort((a, b) => a.email.localeCompare(b.email, 'en', { numeric: true }))
    const ids = members.map((m) => m.id)
    await db.query(
      `insert into user_roles (user_id, role_id) select u, (select id from roles where name = 'user') from unnest($1::uuid[]) u`,
      [ids],
    )
    const projectId = (
      await db.query<{ id: string }>(
        `insert into projects (name, description, owner_id) values ('Bench collaboration', 'bench:collab', $1) returning id`,
        [ids[0]],
      )
    ).rows[0]!.id
    await db.query(
      `insert into project_members (project_id, user_id, role)
       select $1, u, case when u = $2 then 'owner' else 'member' end from unnest($3::uuid[]) u`,
      [projectId, ids[0], ids],
    )
    const taskIds = (
      await db.query<{ id: string }>(
        `insert into tasks (project_id, title, description, status, priority, assignee_id, due_date, tags, created_by, created_at)
         select $1, 'Bench task #' || n, 'Check the probes of cell ' || (n % 7) || ' and log it',
                (array['todo','in_progress','review','done'])[1 + n % 4],
                (array['low','medium','high','urgent'])[1 + n % 4],
                ($2::uuid[])[1 + n % cardinality($2::uuid[])],
                now() + make_interval(hours => n), array['bench', 'cell-' || (n % 7)], $3,
                now() - make_interval(secs => n)
         from generate_series(1, $4::int) n
         returning id`,
        [projectId, ids, ids[0], o.tasks],
      )
    ).rows.map((r) => r.id)
    await db.query('commit')
    await db.query('analyze users; analyze projects; analyze project_members; analyze tasks')
    return { projectId, members, taskIds }
  } catch (err) {
    await db.query('rollback').catch(() => undefined)
    throw err
  } finally {
    await db.end()
  }
}
