/**
 * Demo projects of user@outpost.dev, with the moderator as a member, a dozen tasks across statuses
 * (some due tomorrow, so the 09:00 reminders have work) and a few posts. Idempotent by name/title.
 */
import { and, eq, sql } from 'drizzle-orm'
import type { NodePgDatabase } from 'drizzle-orm/node-postgres'
import * as schema from '../src/db/schema'

type Db = NodePgDatabase<typeof schema>
type TaskSeed = Pick<schema.Task, 'title' | 'status' | 'priority'> & { dueInDays: number | null; tags: string[] }

const DAY = 86_400_000

const PROJECTS: { name: string; description: string; tasks: TaskSeed[] }[] = [
  {
    name: 'Website relaunch',
    description: 'New landing pages, docs and blog for the spring launch.',
    tasks: [
      { title: 'Draft the landing page copy', status: 'done', priority: 'high', dueInDays: -3, tags: ['copy'] },
      { title: 'Pick the illustration style', status: 'review', priority: 'medium', dueInDays: 1, tags: ['design'] },
      { title: 'Build the pricing table', status: 'in_progress', priority: 'high', dueInDays: 1, tags: ['web'] },
      { title: 'Set up redirects from old URLs', status: 'todo', priority: 'urgent', dueInDays: 2, tags: ['web'] },
      { title: 'Write the launch post', status: 'todo', priority: 'medium', dueInDays: 7, tags: ['copy', 'blog'] },
      { title: 'Accessibility pass', status: 'todo', priority: 'low', dueInDays: null, tags: ['web'] },
    ],
  },
  {
    name: 'Cold-room audit',
    description: 'Quarterly check of every cold cell, sensor and alert rule.',
    tasks: [
      { title: 'Export last quarter alerts', status: 'done', priority: 'medium', dueInDays: -10, tags: ['report'] },
      { title: 'Recalibrate CC-1002', status: 'in_progress', priority: 'urgent', dueInDays: 1, tags: ['sensors'] },
      { title: 'Review deadband settings', status: 'review', priority: 'medium', dueInDays: 3, tags: ['alerts'] },
      { title: 'Replace door sensor batteries', status: 'todo', priority: 'high', dueInDays: 5, tags: ['sensors'] },
      { title: 'Update escalation contacts', status: 'todo', priority: 'low', dueInDays: 14, tags: ['alerts'] },
      { title: 'Sign off the audit', status: 'todo', priority: 'medium', dueInDays: 21, tags: ['report'] },
    ],
  },
]

const POSTS = [
  { title: 'Welcome to Outpost', content: 'Projects, tasks and live updates are here.', published: true },
  { title: 'How we run the cold-room audit', content: 'One project, one channel, every change live.', published: true },
  { title: 'Draft: next quarter', content: 'Ideas for the roadmap (not published yet).', published: false },
]

const idOf = async (db: Db, email: string) =>
  (await db.select({ id: schema.users.id }).from(schema.users).where(sql`lower(${schema.users.email}) = ${email}`))[0]
    ?.id

export async function seedProjects(db: Db, now = new Date()) {
  const [owner, moderator] = [await idOf(db, 'user@outpost.dev'), await idOf(db, 'moderator@outpost.dev')]
  if (!owner || !moderator) return { created: [] as string[] }
  const created: string[] = []
  for (const p of PROJECTS) {
    const where = and(eq(schema.projects.ownerId, owner), eq(schema.projects.name, p.name))
    if ((await db.$count(schema.projects, where)) > 0) continue
    const [project] = await db
      .insert(schema.projects)
      .values({ name: p.name, description: p.description, ownerId: owner })
      .returning({ id: schema.projects.id })
    const projectId = project!.id
    await db.insert(schema.projectMembers).values([
      { projectId, userId: owner, role: 'owner' },
      { projectId, userId: moderator, role: 'member' },
    ])
    await db.insert(schema.tasks).values(
      p.tasks.map(({ dueInDays, ...t }, i) => ({
        ...t,
        projectId,
        createdBy: owner,
        assigneeId: i % 2 ? moderator : owner,
        dueDate: dueInDays === null ? null : new Date(now.getTime() + dueInDays * DAY),
      })),
    )
    created.push(`project "${p.name}"`)
  }
  for (const post of POSTS) {
    const where = and(eq(schema.posts.authorId, owner), eq(schema.posts.title, post.title))
    if ((await db.$count(schema.posts, where)) > 0) continue
    await db.insert(schema.posts).values({ ...post, authorId: owner })
    created.push(`post "${post.title}"`)
  }
  return { created }
}
