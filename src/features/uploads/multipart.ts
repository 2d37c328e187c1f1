import { ApiError } from '../../lib/errors'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const MAX_HEADER_BYTES = 8192

export type PartHeaders = { name: string; filename?: string; contentType?: string }

/** The boundary of a `multipart/form-data` Content-Type; 415 for any other type. */
export function boundaryOf(contentType: string | undefined) {
  const match = /^multipart\/form-data\s*;.*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType ?? '')
  const boundary = match?.[1] ?? match?.[2]
  if (!boundary) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data with a boundary')
  return boundary
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0) {
  const first = needle[0]!
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= haystack.length - needle.length; ) {
    let j = 1
    while (j < needle.length && haystack[i + j] === needle[j]) j++
    if (j === needle.length) return i
    i = haystack.indexOf(first, i + 1)
  }
  return -1
}

function concat(a: Uint8Array, b: Uint8Array) {
  if (!a.length) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

function parseHeaders(raw: string): PartHeaders {
  const headers = new Map<string, string>()
  for (const line of raw.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const disposition = headers.get('content-disposition') ?? ''
  const param = (key: string) => new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition)?.[1]
  const name = param('name')
  if (!/^form-data/i.test(disposition) || name === undefined) throw ApiError.badRequest('Malformed multipart part')
  // Browsers (the HTML form encoding) escape only these three in a file name.
  const filename = param('filename')?.replace(/%(22|0D|0A)/gi, (_, h: string) =>
    String.fromCharCode(Number.parseInt(h, 16)),
  )
  return { name, filename, contentType: headers.get('content-type')?.toLowerCase() }
}

/**
 * Reads a multipart body part by part, as it arrives: a part's content comes out in chunks and is
 * never held whole, so a file can be streamed on to R2. Only the tail that might start a boundary
 * is kept between chunks.
 */
export class MultipartReader {
  private buf: Uint8Array
  private readonly delimiter: Uint8Array
  private readonly source: ReadableStreamDefaultReader<Uint8Array>
  private ended = false
  private inBody = true // the preamble is read as the body of a part nobody asked for

  constructor(body: ReadableStream<Uint8Array>, boundary: string) {
    this.source = body.getReader()
    this.delimiter = encoder.encode(`\r\n--${boundary}`)
    // The first boundary has no CRLF before it; a virtual one lets every boundary look alike.
    this.buf = encoder.encode('\r\n')
  }

  private async fill() {
    // A body that breaks off is the client's doing (it went away or reset the connection), not a failing dependency.
    const { value, done } = await this.source.read().catch(() => {
      throw ApiError.badRequest('The request body broke off before its end')
    })
    if (done) {
      this.ended = true
      return false
    }
    this.buf = concat(this.buf, value)
    return true
  }

  /** The next chunk of the current part's content, or null at its end. */
  async read(): Promise<Uint8Array | null> {
    if (!this.inBody) return null
    for (;;) {
      const at = indexOf(this.buf, this.delimiter)
      if (at !== -1) {
        const chunk = this.buf.subarray(0, at)
        this.buf = this.buf.subarray(at + this.delimiter.length)
        this.inBody = false
        return chunk.length ? chunk : null
      }
      const safe = this.buf.length - (this.delimiter.length - 1)
      if (safe > 0) {
        const chunk = this.buf.slice(0, safe)
        this.buf = this.buf.subarray(safe)
        return chunk
      }
      if (!(await this.fill())) throw ApiError.badRequest('Multipart body ended before its closing boundary')
    }
  }

  /** A text field's value, refused past `max` bytes. */
  async readText(max: number) {
    let out: Uint8Array = new Uint8Array(0)
    for (let chunk = await this.read(); chunk; chunk = await this.read()) {
      out = concat(out, chunk)
      if (out.length > max) throw ApiError.validation({ field: `at most ${max} bytes` })
    }
    return decoder.decode(out)
  }

  /** Skips what is left of the current part and returns the next one's headers, or null after the last. */
  async next(): Promise<PartHeaders | null> {
    while (await this.read()) {}
    while (this.buf.length < 2 && (await this.fill())) {}
    if (this.buf[0] === 0x2d && this.buf[1] === 0x2d) return null // "--": the closing boundary
    for (;;) {
      const end = indexOf(this.buf, encoder.encode('\r\n\r\n'))
      if (end !== -1) {
        // The line after a boundary is empty (or transport padding) up to its CRLF.
        const raw = decoder.decode(this.buf.subarray(0, end))
        this.buf = this.buf.subarray(end + 4)
        this.inBody = true
        return parseHeaders(raw.replace(/^[ \t]*\r\n/, ''))
      }
      if (this.buf.length > MAX_HEADER_BYTES) throw ApiError.badRequest('Multipart part headers too large')
      if (this.ended || !(await this.fill())) throw ApiError.badRequest('Malformed multipart body')
    }
  }

  /** Stops reading the request (after an error), so the client is not left sending. */
  async cancel() {
    await this.source.cancel().catch(() => {})
  }
}
