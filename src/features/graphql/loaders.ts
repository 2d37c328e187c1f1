import DataLoader from 'dataloader'
import type { Database } from '../../db/client'
import type { Principal } from '../../lib/types'
import { postsOfAuthors } from '../posts/posts.service'
import { membersOfProjects } from '../projects/projects.service'
import { tasksOfProjects } from '../tasks/tasks.service'
import { usersByIds } from '../users/users.service'

/** `rows` grouped under each of `keys`, in the keys' order (DataLoader's contract). */
function groupBy<R, K extends keyof R>(rows: R[], key: K, keys: readonly R[K][]) {
  const groups = new Map<R[K], R[]>(keys.map((k) => [k, []]))
  for (const r of rows) groups.get(r[key])?.push(r)
  return keys.map((k) => groups.get(k) ?? [])
}

/**
 * One set per request: every nested field of a kind (`task.assignee`, `post.author`,
 * `project.tasks`, `project.members`, `user.posts`) is one query however many parents ask, so a
 * nested query costs a constant number of statements. Nothing is cached across requests.
 */
export function createLoaders(db: Database, caller: Principal) {
  return {
    user: new DataLoader(async (ids: readonly string[]) => {
      const found = new Map((await usersByIds(db, ids)).map((u) => [u.id, u]))
      return ids.map((id) => found.get(id) ?? null)
    }),
    tasksOf: new DataLoader(async (ids: readonly string[]) =>
      groupBy(await tasksOfProjects(db, ids), 'projectId', ids),
    ),
    membersOf: new DataLoader(async (ids: readonly string[]) =>
      groupBy(await membersOfProjects(db, ids), 'projectId', ids),
    ),
    postsOf: new DataLoader(async (ids: readonly string[]) =>
      groupBy(await postsOfAuthors(db, caller, ids), 'authorId', ids),
    ),
  }
}
export type Loaders = ReturnType<typeof createLoaders>
