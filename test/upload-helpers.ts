/** Files and requests for the upload tests: real magic bytes, multipart bodies, and what R2 and Postgres hold. */
import { env } from 'cloudflare:workers'
import { SELF } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { app } from '../src/app'
import { uploads } from '../src/db/schema'
import { BASE, withDb, type ApiResponse, type Envelope } from './helpers'

export type UploadOut = {
  id: string
  ownerId: string
  projectId: string | null
  purpose: string
  originalName: string
  contentType: string
  size: number
  sha256: string
}

const PNG_HEAD = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** `size` bytes that start like a PNG, the rest a repeating pattern (so ranges are checkable). */
export function png(size = 64) {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = i % 251
  bytes.set(PNG_HEAD)
  return bytes
}
export const pdf = () => new TextEncoder().encode('%PDF-1.7\n1 0 obj << >> endobj\ntrailer\n%%EOF\n')
/** A Windows executable's header. */
export const exe = () => new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff])

export type FilePart = { bytes: Uint8Array; name?: string; type?: string }

export function form(files: FilePart[], fields: Record<string, string> = {}) {
  const body = new FormData()
  for (const [k, v] of Object.entries(fields)) body.append(k, v)
  for (const f of files)
    body.append('file', new File([f.bytes], f.name ?? 'picture.png', { type: f.type ?? 'image/png' }))
  return body
}

async function envelope<T>(res: Response): Promise<ApiResponse<T>> {
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Envelope<T>) : (undefined as never),
  }
}

/**
 * POSTs files to /uploads (one) or /uploads/multiple. `vars` overrides config (limits) through
 * `app.request`, which runs the same app with another env.
 */
export async function upload<T = UploadOut>(
  token: string,
  files: FilePart[],
  opts: { fields?: Record<string, string>; multiple?: boolean; vars?: Record<string, string> } = {},
) {
  const path = `/api/v1/uploads${opts.multiple ? '/multiple' : ''}`
  const init = { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form(files, opts.fields) }
  const res = opts.vars
    ? await app.request(path, init, { ...env, ...opts.vars } as Env)
    : await SELF.fetch(`${BASE}${path}`, init)
  return envelope<T>(res)
}

export const fetchRaw = (path: string, init: RequestInit & { token?: string } = {}) => {
  const headers = new Headers(init.headers)
  if (init.token) headers.set('authorization', `Bearer ${init.token}`)
  return SELF.fetch(path.startsWith('http') ? path : `${BASE}${path}`, { ...init, headers })
}

/** What R2 holds under a user's prefix, and the user's upload rows: both empty means nothing left behind. */
export async function leftovers(userId: string) {
  const listed = await env.UPLOADS.list({ prefix: `uploads/${userId}/` })
  const rows = await withDb((db) => db.select().from(uploads).where(eq(uploads.ownerId, userId)))
  return { objects: listed.objects.length, rows: rows.length }
}

export async function sha256(bytes: Uint8Array) {
  const d = await crypto.subtle.digest('SHA-256', bytes)
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * A request body that sends `chunks`, then ends as a client that goes away would: a reset connection or an early
 * end. Pulled one chunk at a time: an error raised up front would discard what was queued before it.
 */
export function brokenBody(chunks: Uint8Array[], ending: 'connection reset' | 'body cut short') {
  const left = [...chunks]
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = left.shift()
      if (chunk) controller.enqueue(chunk)
      else if (ending === 'connection reset') controller.error(new Error('Network connection lost.'))
      else controller.close()
    },
  })
}
