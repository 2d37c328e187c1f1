import { and, eq } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { projectMembers } from '../../db/schema'
import type { Principal } from '../../lib/types'

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i

/** Whether `user` may subscribe to `project:<id>`: its members (any role, viewers too) may. */
export async function canReadProject(db: Database, user: Pick<Principal, 'id'>, id: string) {
  if (!UUID.test(id)) return false
  const where = and(eq(projectMembers.projectId, id), eq(projectMembers.userId, user.id))
  return (await db.$count(projectMembers, where)) > 0
}
