import { ApiError } from '../../lib/errors'

/** The types recognised by their first bytes. What is allowed is UPLOAD_ALLOWED_TYPES, a subset. */
const SIGNATURES: { type: string; test: (b: Uint8Array) => boolean }[] = [
  { type: 'image/png', test: (b) => starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'image/jpeg', test: (b) => starts(b, [0xff, 0xd8, 0xff]) },
  { type: 'image/gif', test: (b) => ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a') },
  { type: 'image/webp', test: (b) => ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP') },
  { type: 'application/pdf', test: (b) => ascii(b, 0, '%PDF-') },
]

/** Bytes needed to recognise every signature above. */
export const SNIFF_BYTES = 12

const starts = (b: Uint8Array, sig: number[]) => sig.every((v, i) => b[i] === v)
const ascii = (b: Uint8Array, at: number, text: string) => [...text].every((ch, i) => b[at + i] === ch.charCodeAt(0))

export const sniff = (head: Uint8Array) => SIGNATURES.find((s) => s.test(head))?.type

/**
 * The file's real type: its first bytes must name an allowed type, and the declared type (if any
 * beyond the generic octet-stream) must be that one. 415 otherwise, naming both.
 */
export function checkType(head: Uint8Array, declared: string | undefined, allowed: string[]) {
  const detected = sniff(head)
  const claimed = declared?.split(';')[0]?.trim()
  if (!detected || !allowed.includes(detected)) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'This file type is not allowed', {
      allowed,
      declared: claimed ?? null,
    })
  }
  if (claimed && claimed !== 'application/octet-stream' && claimed !== detected) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `The file's content is ${detected}, not ${claimed}`, {
      detected,
      declared: claimed,
    })
  }
  return detected
}

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
}

/**
 * A file name safe to store and to echo in Content-Disposition: no path, no control or quoting
 * characters, at most 200 characters, with the extension of its real type.
 */
export function sanitizeName(name: string | undefined, type: string) {
  const base = (name ?? '').split(/[\\/]/).pop() ?? ''
  const clean = base
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}"<>|:*?]/gu, '')
    .replace(/\s+/g, ' ')
    .replace(/^[.\s]+/, '')
    .trim()
  const ext = EXTENSIONS[type] ?? 'bin'
  const stem = clean.replace(/\.[^.]*$/, '').slice(0, 190) || 'file'
  return `${stem}.${ext}`
}
