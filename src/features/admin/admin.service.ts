import { count, countDistinct, sql } from 'drizzle-orm'
import type { Database } from '../../db/client'
import { refreshTokens, roles, sessions, userRoles, users } from '../../db/schema'

export async function stats(db: Database) {
  const [[u], byRole, [s]] = await Promise.all([
    db
      .select({
        total: count(),
        verified: sql<number>`count(${users.emailVerifiedAt})::int`,
        signupsLast7Days: sql<number>`count(*) filter (where ${users.createdAt} > now() - interval '7 days')::int`,
      })
      .from(users),
    db
      .select({ role: roles.name, users: sql<number>`count(${userRoles.userId})::int` })
      .from(roles)
      .leftJoin(userRoles, sql`${userRoles.roleId} = ${roles.id}`)
      .groupBy(roles.name)
      .orderBy(roles.name),
    db
      .select({ active: count() })
      .from(sessions)
      .where(sql`${sessions.revokedAt} is null and ${sessions.expiresAt} > now()`),
  ])
  return {
    users: {
      total: u!.total,
      verified: u!.verified,
      unverified: u!.total - u!.verified,
      signupsLast7Days: u!.signupsLast7Days,
    },
    roles: Object.fromEntries(byRole.map((r) => [r.role, r.users])),
    activeSessions: s!.active,
  }
}

/**
 * One row per UTC day: signups, and active users (anyone who signed in or refreshed a token that
 * day: each creates a refresh token).
 */
export async function analytics(db: Database, days: number) {
  const series = sql`generate_series((now() at time zone 'utc')::date - ${days - 1}::int, (now() at time zone 'utc')::date, interval '1 day')`
  const rows = await db.execute<{ day: string; signups: number; active_users: number }>(sql`
    select to_char(d, 'YYYY-MM-DD') as day,
      (select count(*)::int from ${users} where (created_at at time zone 'utc')::date = d::date) as signups,
      (select count(distinct s.user_id)::int from ${refreshTokens} rt join ${sessions} s on s.id = rt.session_id
        where (rt.created_at at time zone 'utc')::date = d::date) as active_users
    from ${series} as d
    order by d`)
  const [total] = await db
    .select({ n: countDistinct(sessions.userId) })
    .from(sessions)
    .where(sql`${sessions.lastUsedAt} > now() - make_interval(days => ${days})`)
  return {
    days,
    activeUsersInPeriod: total?.n ?? 0,
    series: rows.rows.map((r) => ({ date: r.day, signups: r.signups, activeUsers: r.active_users })),
  }
}
