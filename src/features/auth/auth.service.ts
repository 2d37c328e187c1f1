import { and, eq, isNull, sql } from 'drizzle-orm'
import type { Database, HttpDatabase } from '../../db/client'
import { emailOtps, passwordResets, users } from '../../db/schema'
import type { Config } from '../../env'
import { hmacSha256, randomDigits, randomToken, sha256Hex, timingSafeEqual } from '../../lib/crypto'
import { ApiError } from '../../lib/errors'
import type { DomainEvents } from '../../events'
import { hashPassword, verifyPassword } from '../../lib/password'
import { signAccessToken } from '../../lib/tokens'
import { enqueueEmail } from '../email/email.service'
import { findUserByEmail, getUser, insertUser } from '../users/users.service'
import { revokeAllSessions, startSession } from './sessions.service'

export const OTP_TTL_MINUTES = 10
export const OTP_MAX_ATTEMPTS = 5
export const OTP_RESEND_SECONDS = 60
export const RESET_TTL_MINUTES = 60

// OTPs have only 10^6 values: a keyed hash (pepper) keeps a leaked table from being brute-forced.
const otpHash = (config: Config, userId: string, code: string) =>
  hmacSha256(`otp:${config.JWT_SECRET}`, `${userId}:${code}`)

const otpExpiry = sql`now() + make_interval(mins => ${OTP_TTL_MINUTES})`

// A fixed hash to verify against when the email is unknown, so timing does not reveal accounts. The
// value is kept, never the promise: another request awaiting it could be dropped with its creator
// (lib/rate-limit/leases.ts).
let dummyHash: string | undefined

/**
 * Creates or replaces the user's one live OTP and queues its email. Returns the seconds to wait
 * when the last code is younger than OTP_RESEND_SECONDS (nothing is sent then).
 */
async function issueOtp(
  db: Database,
  config: Config,
  user: { id: string; email: string; name: string },
): Promise<number | null> {
  const code = randomDigits(6)
  const codeHash = await otpHash(config, user.id, code)
  const rows = await db.execute<{ id: string }>(sql`
    insert into ${emailOtps} (user_id, code_hash, expires_at)
    values (${user.id}, ${codeHash}, ${otpExpiry})
    on conflict (user_id) do update
      set code_hash = excluded.code_hash, attempts = 0, created_at = now(), expires_at = excluded.expires_at
      where ${emailOtps}.created_at <= now() - make_interval(secs => ${OTP_RESEND_SECONDS})
    returning id`)
  if (!rows.rows.length) {
    const [last] = await db
      .select({
        wait: sql<number>`ceil(extract(epoch from created_at + make_interval(secs => ${OTP_RESEND_SECONDS}) - now()))::int`,
      })
      .from(emailOtps)
      .where(eq(emailOtps.userId, user.id))
    return Math.max(1, last?.wait ?? OTP_RESEND_SECONDS)
  }
  await enqueueEmail(config, user.email, 'verify-email', { name: user.name, code })
  return null
}

/**
 * An unverified account and its code by mail. `created` runs once the account is committed, even if mailing then
 * fails (`POST /auth/resend-verification` then sends a new code).
 */
export async function register(
  db: HttpDatabase,
  config: Config,
  input: { email: string; password: string; name: string },
  created: (user: DomainEvents['user.created']) => void,
) {
  // The account and its code commit together: no unverified account is left without a code.
  const id = crypto.randomUUID()
  const code = randomDigits(6)
  const otp = db
    .insert(emailOtps)
    .values({ userId: id, codeHash: await otpHash(config, id, code), expiresAt: otpExpiry })
  await insertUser(db, { ...input, id, roles: ['user'], emailVerified: false }, [otp])
  created({ userId: id, email: input.email, name: input.name })
  await enqueueEmail(config, input.email, 'verify-email', { name: input.name, code })
  return getUser(db, id)
}

export async function resendVerification(db: Database, config: Config, email: string) {
  const user = await findUserByEmail(db, email)
  // Unknown and already-verified addresses get the same 202, and nothing is sent.
  if (!user || user.emailVerifiedAt) return
  const wait = await issueOtp(db, config, user)
  if (wait !== null) {
    throw new ApiError('RATE_LIMITED', `A code was sent recently; try again in ${wait} s`, {
      retryAfterSeconds: wait,
    }).withHeaders({
      'Retry-After': String(wait),
    })
  }
}

export async function verifyEmail(db: HttpDatabase, config: Config, email: string, code: string) {
  const user = await findUserByEmail(db, email)
  // Unknown and already-verified addresses answer like a wrong code: the route reveals nothing.
  if (!user || user.emailVerifiedAt) throw new ApiError('INVALID_OTP', 'Invalid verification code')
  // Count the attempt first, atomically: parallel guesses cannot exceed the limit.
  const [otp] = await db
    .update(emailOtps)
    .set({ attempts: sql`${emailOtps.attempts} + 1` })
    .where(
      and(
        eq(emailOtps.userId, user.id),
        sql`${emailOtps.attempts} < ${OTP_MAX_ATTEMPTS}`,
        sql`${emailOtps.expiresAt} > now()`,
      ),
    )
    .returning({ id: emailOtps.id, codeHash: emailOtps.codeHash, attempts: emailOtps.attempts })
  if (!otp) {
    const [dead] = await db
      .select({ expired: sql<boolean>`${emailOtps.expiresAt} <= now()` })
      .from(emailOtps)
      .where(eq(emailOtps.userId, user.id))
    if (!dead) throw new ApiError('INVALID_OTP', 'Invalid verification code')
    if (dead.expired) throw new ApiError('OTP_EXPIRED', 'The verification code has expired; request a new one')
    throw new ApiError('OTP_LOCKED', 'Too many wrong attempts; request a new code')
  }
  if (!timingSafeEqual(otp.codeHash, await otpHash(config, user.id, code))) {
    const left = OTP_MAX_ATTEMPTS - otp.attempts
    if (left === 0) throw new ApiError('OTP_LOCKED', 'Too many wrong attempts; request a new code')
    throw new ApiError('INVALID_OTP', 'Invalid verification code', { attemptsLeft: left })
  }
  await db.batch([
    db.delete(emailOtps).where(eq(emailOtps.id, otp.id)),
    db
      .update(users)
      .set({ emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())` })
      .where(eq(users.id, user.id)),
  ])
  return getUser(db, user.id)
}

export type LoginMeta = { ip?: string; userAgent?: string }

export async function tokenPair(config: Config, issued: { userId: string; sessionId: string; refreshToken: string }) {
  return {
    accessToken: await signAccessToken(config, { sub: issued.userId, sid: issued.sessionId }),
    refreshToken: issued.refreshToken,
    tokenType: 'Bearer' as const,
    expiresIn: config.ACCESS_TOKEN_TTL_SECONDS,
  }
}

export async function login(db: HttpDatabase, config: Config, email: string, password: string, meta: LoginMeta) {
  const user = await findUserByEmail(db, email)
  if (!user) {
    dummyHash ??= await hashPassword('not-a-real-password')
    await verifyPassword(password, dummyHash)
    throw new ApiError('INVALID_CREDENTIALS', 'Invalid email or password')
  }
  const { valid, needsRehash } = await verifyPassword(password, user.passwordHash)
  if (!valid) throw new ApiError('INVALID_CREDENTIALS', 'Invalid email or password')
  if (!user.emailVerifiedAt) throw new ApiError('EMAIL_NOT_VERIFIED', 'Verify your email before logging in')
  if (needsRehash)
    await db
      .update(users)
      .set({ passwordHash: await hashPassword(password) })
      .where(eq(users.id, user.id))
  const issued = await startSession(db, user.id, meta)
  return { ...(await tokenPair(config, issued)), user: await getUser(db, user.id) }
}

/** Always succeeds from the caller's view (no account enumeration); mails a token when the account exists. */
export async function forgotPassword(db: Database, config: Config, email: string) {
  const user = await findUserByEmail(db, email)
  if (!user) return
  const token = randomToken(32)
  await db.insert(passwordResets).values({
    userId: user.id,
    tokenHash: await sha256Hex(token),
    expiresAt: sql`now() + make_interval(mins => ${RESET_TTL_MINUTES})`,
  })
  await enqueueEmail(config, user.email, 'reset-password', { name: user.name, token })
}

/** Single use: the claim is one guarded UPDATE. Every session of the user is revoked. */
export async function resetPassword(db: Database, config: Config, token: string, password: string) {
  const [reset] = await db
    .update(passwordResets)
    .set({ usedAt: sql`now()` })
    .where(
      and(
        eq(passwordResets.tokenHash, await sha256Hex(token)),
        isNull(passwordResets.usedAt),
        sql`${passwordResets.expiresAt} > now()`,
      ),
    )
    .returning({ userId: passwordResets.userId })
  if (!reset) throw new ApiError('INVALID_RESET_TOKEN', 'The reset token is invalid, expired or already used')
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(password) })
    .where(eq(users.id, reset.userId))
  await db
    .update(passwordResets)
    .set({ usedAt: sql`now()` })
    .where(and(eq(passwordResets.userId, reset.userId), isNull(passwordResets.usedAt)))
  await revokeAllSessions(db, config.bindings, reset.userId, 'password_reset')
}

/** Other sessions end; the caller's own stays signed in. */
export async function changePassword(
  db: Database,
  config: Config,
  userId: string,
  sessionId: string,
  current: string,
  next: string,
) {
  const [user] = await db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId))
  if (!user || !(await verifyPassword(current, user.passwordHash)).valid) {
    throw ApiError.validation({ currentPassword: 'is incorrect' })
  }
  if (current === next) throw ApiError.validation({ newPassword: 'must differ from the current password' })
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(next) })
    .where(eq(users.id, userId))
  await db
    .update(passwordResets)
    .set({ usedAt: sql`now()` })
    .where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt)))
  await revokeAllSessions(db, config.bindings, userId, 'password_change', sessionId)
}

/** Reset tokens a day past their expiry: used or not, they can no longer open anything. */
export async function deleteDeadResetTokens(db: Database) {
  const r = await db.execute(sql`delete from ${passwordResets} where expires_at < now() - interval '1 day'`)
  return r.rowCount ?? 0
}

/** Verification codes past their expiry. */
export async function deleteExpiredOtps(db: Database) {
  const r = await db.execute(sql`delete from ${emailOtps} where expires_at < now()`)
  return r.rowCount ?? 0
}
