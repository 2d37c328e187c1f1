import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** Every error code the API answers with, and its default HTTP status. */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  INVALID_OTP: 400,
  OTP_EXPIRED: 400,
  OTP_LOCKED: 400,
  INVALID_RESET_TOKEN: 400,
  UNAUTHORIZED: 401,
  PAYMENT_REQUIRED: 402,
  INVALID_CREDENTIALS: 401,
  INVALID_TOKEN: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_REUSED: 401,
  FORBIDDEN: 403,
  EMAIL_NOT_VERIFIED: 403,
  PLAN_LIMIT: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_ERROR: 422,
  UPGRADE_REQUIRED: 426,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  CONFIG_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
  /** A dependency (Postgres, a binding) failed mid-request; the answer carries `Retry-After`. */
  DEPENDENCY_DOWN: 503,
} as const satisfies Record<string, ContentfulStatusCode>

export type ErrorCode = keyof typeof ERROR_STATUS
export type ErrorDetails = Record<string, unknown>

/** The one error type handlers and services throw; `onError` turns it into the envelope. */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode
  headers?: Record<string, string>

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    status?: ContentfulStatusCode,
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status ?? ERROR_STATUS[code]
  }

  /** Extra response headers, e.g. `Retry-After`. */
  withHeaders(headers: Record<string, string>) {
    this.headers = { ...this.headers, ...headers }
    return this
  }

  static badRequest(message = 'Malformed request', details?: ErrorDetails) {
    return new ApiError('BAD_REQUEST', message, details)
  }
  static unauthorized(message = 'Authentication required', code: ErrorCode = 'UNAUTHORIZED') {
    return new ApiError(code, message)
  }
  static forbidden(message = 'You are not allowed to do this') {
    return new ApiError('FORBIDDEN', message)
  }
  static notFound(what = 'Resource') {
    return new ApiError('NOT_FOUND', `${what} not found`)
  }
  static conflict(message: string, details?: ErrorDetails) {
    return new ApiError('CONFLICT', message, details)
  }
  static validation(details: ErrorDetails, message = 'Request validation failed') {
    return new ApiError('VALIDATION_ERROR', message, details)
  }
  static unavailable(message = 'A dependency is unavailable', details?: ErrorDetails) {
    return new ApiError('SERVICE_UNAVAILABLE', message, details)
  }
}
