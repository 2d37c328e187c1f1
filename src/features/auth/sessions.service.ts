import { and, eq, isNull, ne, sql } from 'drizzle-orm'
import type { Database, HttpDatabase } from '../../db/client'
import { refreshTokens, sessions, type Session } from '../../db/schema'
import type { Config } from '../../env'
import { hmacSha256, randomToken, sha256Hex } from '../../lib/crypto'
import { ApiError } from '../../lib/errors'
import { closeSessions } from '../realtime/connections.service'

export const REFRESH_TTL_DAYS = 7
/** A client that lost the response may present the token it just rotated for this long. */
export const REFRESH_GRACE_SECONDS = 10

/**
 * The child of a refresh token is HMAC(secret, parent), so a retry within the grace window can be
 * answered with the same live token without ever storing a token in plaintext.
 */
const childOf = (secret: string, parent: string) => hmacSha256(`refresh:${secret}`, parent)

type Issued = { userId: string; sessionId: string; refreshToken: string }

/** A session and its first refresh token, in one batch (one round trip, one transaction). */
export async function startSession(
  db: HttpDatabase,
  userId: string,
  meta: { ip?: string; userAgent?: string },
): Promise<Issued> {
  const refreshToken = randomToken(32)
  const sessionId = crypto.randomUUID()
  await db.batch([
    db.insert(sessions).values({
      id: sessionId,
      userId,
      ip: meta.ip,
      userAgent: meta.userAgent?.slice(0, 300),
      expiresAt: sql`now() + make_interval(days => ${REFRESH_TTL_DAYS})`,
    }),
    db.insert(refreshTokens).values({ sessionId, tokenHash: await sha256Hex(refreshToken) }),
  ])
  return { userId, sessionId, refreshToken }
}

const revokedError = (s: Pick<Session, 'revokedReason'>) =>
  s.revokedReason === 'reuse'
    ? ApiError.unauthorized('Refresh token reuse detected; the session was revoked', 'TOKEN_REUSED')
    : ApiError.unauthorized('Session has been revoked', 'INVALID_TOKEN')

/**
 * Exchanges a refresh token for its child. Rotation is one statement (claim the parent, insert
 * the child), so concurrent refreshes of one token yield one child, never two live families.
 * An already-rotated token is answered with the live child only inside the grace window and only
 * while that child is unused; otherwise it is reuse, and the whole session is revoked.
 */
export async function rotateRefreshToken(db: Database, config: Config, presented: string): Promise<Issued> {
  const [row] = await db
    .select({
      id: refreshTokens.id,
      rotatedAt: refreshTokens.rotatedAt,
      inGrace: sql<boolean>`${refreshTokens.rotatedAt} > now() - make_interval(secs => ${REFRESH_GRACE_SECONDS})`,
      sessionId: sessions.id,
      userId: sessions.userId,
      revokedReason: sessions.revokedReason,
      revokedAt: sessions.revokedAt,
      expired: sql<boolean>`${sessions.expiresAt} <= now()`,
    })
    .from(refreshTokens)
    .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
    .where(eq(refreshTokens.tokenHash, await sha256Hex(presented)))
  if (!row) throw ApiError.unauthorized('Unknown refresh token', 'INVALID_TOKEN')
  if (row.revokedAt) throw revokedError(row)
  if (row.expired) throw ApiError.unauthorized('Refresh token expired', 'TOKEN_EXPIRED')

  const child = await childOf(config.JWT_SECRET, presented)
  const childHash = await sha256Hex(child)
  if (!row.rotatedAt) {
    const claimed = await db.execute<{ id: string }>(sql`
      with parent as (
        update ${refreshTokens} set rotated_at = now()
        where id = ${row.id} and rotated_at is null
        returning id, session_id
      )
      insert into ${refreshTokens} (session_id, token_hash, parent_id)
      select session_id, ${childHash}, id from parent
      returning id`)
    if (claimed.rows.length) {
      await db
        .update(sessions)
        .set({ lastUsedAt: sql`now()`, expiresAt: sql`now() + make_interval(days => ${REFRESH_TTL_DAYS})` })
        .where(eq(sessions.id, row.sessionId))
      return { userId: row.userId, sessionId: row.sessionId, refreshToken: child }
    }
  }
  // Rotated already (earlier, or by a concurrent request that just won): a lost response?
  const inGrace = row.rotatedAt === null || row.inGrace
  const [live] = await db
    .select({ tokenHash: refreshTokens.tokenHash, rotatedAt: refreshTokens.rotatedAt })
    .from(refreshTokens)
    .where(eq(refreshTokens.parentId, row.id))
  if (inGrace && live && live.rotatedAt === null) {
    for (const secret of [config.JWT_SECRET, ...config.JWT_PREVIOUS_SECRETS]) {
      const candidate = secret === config.JWT_SECRET ? child : await childOf(secret, presented)
      if ((await sha256Hex(candidate)) === live.tokenHash)
        return { userId: row.userId, sessionId: row.sessionId, refreshToken: candidate }
    }
  }
  await revokeSession(db, config.bindings, row.sessionId, 'reuse')
  throw ApiError.unauthorized('Refresh token reuse detected; the session was revoked', 'TOKEN_REUSED')
}

type RevokedReason = NonNullable<Session['revokedReason']>
type Hubs = Pick<Config['bindings'], 'PRESENCE_HUB'>

/** What the session's sockets and streams are told as they close (`session ended: <why>`). */
const ENDED_BY: Record<RevokedReason, string> = {
  logout: 'logged out',
  reuse: 'refresh token reused',
  password_reset: 'password reset',
  password_change: 'password changed',
  admin: 'revoked by an administrator',
}

/**
 * Revokes a session, then closes the sockets and streams it holds, before the caller answers (a
 * revoked session receives nothing more, not only from its next request on).
 */
export async function revokeSession(db: Database, hubs: Hubs, sessionId: string, reason: RevokedReason) {
  const [revoked] = await db
    .update(sessions)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .returning({ userId: sessions.userId })
  if (revoked) await closeSessions(hubs, revoked.userId, [sessionId], ENDED_BY[reason])
}

/** Revokes every live session of a user, optionally keeping one (the caller's own), and closes what they hold. */
export async function revokeAllSessions(
  db: Database,
  hubs: Hubs,
  userId: string,
  reason: RevokedReason,
  keep?: string,
) {
  const revoked = await db
    .update(sessions)
    .set({ revokedAt: sql`now()`, revokedReason: reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), keep ? ne(sessions.id, keep) : undefined))
    .returning({ id: sessions.id })
  await closeSessions(
    hubs,
    userId,
    revoked.map((s) => s.id),
    ENDED_BY[reason],
  )
}

/** Logout: the session of this refresh token ends. Unknown tokens are a 401; a repeat is a no-op. */
export async function endSessionOf(db: Database, hubs: Hubs, presented: string) {
  const [row] = await db
    .select({ sessionId: refreshTokens.sessionId })
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, await sha256Hex(presented)))
  if (!row) throw ApiError.unauthorized('Unknown refresh token', 'INVALID_TOKEN')
  await revokeSession(db, hubs, row.sessionId, 'logout')
}

/** Sessions expired or revoked a week ago; their refresh tokens go with them (cascade). */
export async function deleteStaleSessions(db: Database) {
  const r = await db.execute(
    sql`delete from ${sessions} where expires_at < now() - interval '7 days' or revoked_at < now() - interval '7 days'`,
  )
  return r.rowCount ?? 0
}
