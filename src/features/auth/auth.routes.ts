import { createRoute } from '@hono/zod-openapi'
import { errorResponses, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { UserSchema } from '../users/users.schemas'
import { requireAuth } from '../../lib/auth'
import { authRateLimit, loginRateLimit, passwordRateLimit } from './auth.rate-limit'
import * as s from './auth.schemas'

const tags = ['Auth']
const security = [{ bearerAuth: [] }]

export const register = createRoute({
  method: 'post',
  path: '/auth/register',
  tags,
  summary: 'Sign up; emails a 6-digit verification code',
  description: 'Limited per IP: `RATE_LIMIT_REGISTER` (default 10 per 15 min); past it, 429 with `Retry-After`.',
  middleware: [authRateLimit('register')] as const,
  request: jsonBody(s.RegisterBody),
  responses: {
    201: jsonContent(successSchema(UserSchema), 'Created, not yet verified'),
    ...errorResponses(400, 409, 422, 429, 503),
  },
})

export const verify = createRoute({
  method: 'post',
  path: '/auth/verify',
  tags,
  summary: 'Verify the email with its code (5 attempts, 10 minutes)',
  description:
    "Limited per IP and email: `RATE_LIMIT_VERIFY` (default 10 per 15 min), on top of the code's own 5 attempts.",
  middleware: [authRateLimit('verify')] as const,
  request: jsonBody(s.VerifyBody),
  responses: { 200: jsonContent(successSchema(UserSchema), 'Verified'), ...errorResponses(400, 422, 429, 503) },
})

export const resendVerification = createRoute({
  method: 'post',
  path: '/auth/resend-verification',
  tags,
  summary: 'Send a new code (at most once a minute)',
  description: 'Limited per IP and email: `RATE_LIMIT_RESEND` (default 5 per 15 min), on top of one code a minute.',
  middleware: [authRateLimit('resend')] as const,
  request: jsonBody(s.EmailBody),
  responses: { 202: jsonContent(successSchema(s.MessageSchema), 'Accepted'), ...errorResponses(400, 422, 429, 503) },
})

export const login = createRoute({
  method: 'post',
  path: '/auth/login',
  tags,
  summary: 'Exchange email and password for a token pair',
  description:
    "Only failed attempts count: `RATE_LIMIT_LOGIN_FAILURES` (default 5 per 15 min) per email and IP, and `RATE_LIMIT_LOGIN_IP` (default 20 per 15 min) per IP across emails; past either, 429 with `Retry-After`. Signing in spends nothing and clears that email's failures from that IP.",
  middleware: [loginRateLimit()] as const,
  request: jsonBody(s.LoginBody),
  responses: {
    200: jsonContent(successSchema(s.LoginSchema), 'Signed in'),
    ...errorResponses(400, 401, 403, 422, 429, 503),
  },
})

export const refresh = createRoute({
  method: 'post',
  path: '/auth/refresh',
  tags,
  summary: 'Rotate the refresh token (reuse revokes the session)',
  request: jsonBody(s.RefreshBody),
  responses: { 200: jsonContent(successSchema(s.TokenPairSchema), 'A new pair'), ...errorResponses(400, 401, 422) },
})

export const logout = createRoute({
  method: 'post',
  path: '/auth/logout',
  tags,
  summary: 'End the session of this refresh token',
  request: jsonBody(s.RefreshBody),
  responses: { 204: { description: 'Signed out' }, ...errorResponses(400, 401, 422) },
})

export const forgotPassword = createRoute({
  method: 'post',
  path: '/auth/forgot-password',
  tags,
  summary: 'Email a reset token (same answer for unknown emails)',
  description: 'Limited per IP and email: `RATE_LIMIT_FORGOT` (default 5 per 15 min).',
  middleware: [authRateLimit('forgot')] as const,
  request: jsonBody(s.EmailBody),
  responses: { 202: jsonContent(successSchema(s.MessageSchema), 'Accepted'), ...errorResponses(400, 422, 429, 503) },
})

export const resetPassword = createRoute({
  method: 'post',
  path: '/auth/reset-password',
  tags,
  summary: 'Set a new password with a reset token; ends every session',
  description: 'Limited per IP: `RATE_LIMIT_RESET` (default 10 per 15 min); each token works once.',
  middleware: [authRateLimit('reset')] as const,
  request: jsonBody(s.ResetBody),
  responses: {
    200: jsonContent(successSchema(s.MessageSchema), 'Password changed'),
    ...errorResponses(400, 422, 429, 503),
  },
})

export const me = createRoute({
  method: 'get',
  path: '/auth/me',
  tags,
  summary: 'The current user',
  security,
  middleware: [requireAuth()] as const,
  responses: { 200: jsonContent(successSchema(UserSchema), 'Current user'), ...errorResponses(401) },
})

export const meWithRoles = createRoute({
  method: 'get',
  path: '/auth/me/with-roles',
  tags,
  summary: 'The current user with roles and permissions',
  security,
  middleware: [requireAuth()] as const,
  responses: { 200: jsonContent(successSchema(s.UserWithAccessSchema), 'Current user'), ...errorResponses(401) },
})

export const profile = createRoute({
  method: 'put',
  path: '/auth/profile',
  tags,
  summary: 'Update your own profile',
  security,
  middleware: [requireAuth()] as const,
  request: jsonBody(s.ProfileBody),
  responses: { 200: jsonContent(successSchema(UserSchema), 'Updated'), ...errorResponses(400, 401, 422) },
})

export const changePassword = createRoute({
  method: 'put',
  path: '/auth/change-password',
  tags,
  summary: 'Change your password; other sessions end',
  security,
  description: 'Limited per user: `RATE_LIMIT_CHANGE_PASSWORD` (default 5 per 15 min).',
  middleware: [requireAuth(), passwordRateLimit()] as const,
  request: jsonBody(s.ChangePasswordBody),
  responses: {
    200: jsonContent(successSchema(s.MessageSchema), 'Changed'),
    ...errorResponses(400, 401, 422, 429, 503),
  },
})
