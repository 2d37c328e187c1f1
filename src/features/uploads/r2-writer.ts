import { ApiError } from '../../lib/errors'
import { checkType, SNIFF_BYTES } from './file-types'

/** R2 multipart parts must be equal-sized (except the last) and at least 5 MiB. */
export const PART_BYTES = 5 * 1024 * 1024

export type Stored = { key: string; contentType: string; size: number; sha256: string }

export type WriteLimits = {
  allowed: string[]
  maxFileBytes: number
  /** Bytes the whole request may still carry; throws 413 when this file would pass it. */
  budget: { left: number; max: number }
}

const hex = (buf: ArrayBuffer) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')

const tooLarge = (what: string, max: number) =>
  new ApiError('PAYLOAD_TOO_LARGE', `${what} exceeds ${max} bytes`, { maxBytes: max })

/**
 * Streams chunks into R2 under `key` with bounded memory: at most one 5 MiB part is held, sent as
 * an R2 multipart part when full; a small file is one `put`. The type is checked on the first
 * bytes before anything is written; the size against both limits as bytes arrive; SHA-256 is
 * computed on the way. On any failure nothing stays in R2 (the multipart upload is aborted).
 */
export async function writeStream(
  bucket: R2Bucket,
  key: string,
  next: () => Promise<Uint8Array | null>,
  declaredType: string | undefined,
  limits: WriteLimits,
): Promise<Stored> {
  const digest = new crypto.DigestStream('SHA-256')
  const hash = digest.getWriter()
  // Aborting the hash on a refusal rejects its digest, which nobody awaits then.
  digest.digest.catch(() => {})
  let pending = new Uint8Array(0)
  let size = 0
  let contentType: string | undefined
  let upload: R2MultipartUpload | undefined
  const parts: R2UploadedPart[] = []
  const push = (chunk: Uint8Array) => {
    const out = new Uint8Array(pending.length + chunk.length)
    out.set(pending)
    out.set(chunk, pending.length)
    pending = out
  }
  try {
    for (let chunk = await next(); chunk; chunk = await next()) {
      size += chunk.length
      if (size > limits.maxFileBytes) throw tooLarge('A file', limits.maxFileBytes)
      if (size > limits.budget.left) throw tooLarge('The request', limits.budget.max)
      await hash.write(chunk)
      push(chunk)
      if (!contentType && pending.length >= SNIFF_BYTES) contentType = checkType(pending, declaredType, limits.allowed)
      while (contentType && pending.length >= PART_BYTES) {
        upload ??= await bucket.createMultipartUpload(key, { httpMetadata: { contentType } })
        parts.push(await upload.uploadPart(parts.length + 1, pending.slice(0, PART_BYTES)))
        pending = pending.slice(PART_BYTES)
      }
    }
    if (size === 0) throw ApiError.validation({ file: 'is empty' })
    contentType ??= checkType(pending, declaredType, limits.allowed)
    if (upload) {
      if (pending.length) parts.push(await upload.uploadPart(parts.length + 1, pending))
      await upload.complete(parts)
    } else {
      await bucket.put(key, pending, { httpMetadata: { contentType } })
    }
    await hash.close()
    limits.budget.left -= size
    return { key, contentType, size, sha256: hex(await digest.digest) }
  } catch (err) {
    await upload?.abort().catch(() => {})
    await hash.abort(err).catch(() => {})
    throw err
  }
}
