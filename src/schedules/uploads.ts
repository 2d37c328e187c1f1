import { abortStaleSessions } from '../features/uploads/sessions.service'
import type { TickContext } from './types'

/** Hourly: multipart uploads abandoned for a day are aborted, so R2 stops holding their parts. */
export async function abortStaleUploads({ db, config, at }: TickContext) {
  return { sessionsAborted: await abortStaleSessions(db, config, at) }
}
