// graphql-yoga's types import `@whatwg-node/fetch`, whose declarations pull in the DOM lib, which
// clashes with @cloudflare/workers-types. tsconfig "paths" points that import here instead: the
// same names, typed as the Worker's own globals (at run time the package uses those globals too).
type Api = {
  fetch: typeof globalThis.fetch
  Request: typeof globalThis.Request
  Response: typeof globalThis.Response
  Headers: typeof globalThis.Headers
  FormData: typeof globalThis.FormData
  ReadableStream: typeof globalThis.ReadableStream
  WritableStream: typeof globalThis.WritableStream
  TransformStream: typeof globalThis.TransformStream
  CompressionStream: typeof globalThis.CompressionStream
  DecompressionStream: typeof globalThis.DecompressionStream
  Blob: typeof globalThis.Blob
  File: typeof globalThis.File
  crypto: typeof globalThis.crypto
  btoa: typeof globalThis.btoa
  TextEncoder: typeof globalThis.TextEncoder
  TextDecoder: typeof globalThis.TextDecoder
  URL: typeof globalThis.URL
  URLSearchParams: typeof globalThis.URLSearchParams
}
export declare const fetch: Api['fetch']
export declare const Request: Api['Request']
export declare const Response: Api['Response']
export declare const Headers: Api['Headers']
export declare const FormData: Api['FormData']
export declare const ReadableStream: Api['ReadableStream']
export declare const Blob: Api['Blob']
export declare const File: Api['File']
export declare const URL: Api['URL']
export declare const URLSearchParams: Api['URLSearchParams']
export declare const createFetch: (opts?: Record<string, unknown>) => Api
