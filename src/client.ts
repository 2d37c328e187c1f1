/**
 * A typed client of the Outpost API, built on hono's `hc`: every route's path, input and reply are checked by
 * TypeScript against the app itself. Signs in, keeps the tokens in memory, refreshes them once on a 401
 * `TOKEN_EXPIRED` and retries, and opens a channel's WebSocket or SSE stream that reconnects and resumes by itself.
 *
 * ```ts
 * import { createClient, type Routers } from 'outpost/client'
 * const outpost = createClient({ baseUrl: 'https://outpost.example.com' })
 * await outpost.signIn('tech@outpost.dev', 'password')
 * const alerts = outpost.routes<Routers.Alerts>()
 * const res = await alerts.alerts.$get({ query: { status: 'ACTIVE' } })
 * ```
 *
 * Types come per feature router (`routes<Routers.Jobs>()`), not from the whole app: hono's RPC types over all
 * of `AppType` cost a consumer's type-check seconds per build (docs/decisions.md, "Typed client"). `appRoutes()` in
 * `src/client/app-routes.ts` gives every route at once, at that price.
 */
import type { Hono } from 'hono'
import { type ClientResponse, hc } from 'hono/client'
import type { authRouter } from './features/auth'
import { openChannelSocket, type SocketOptions } from './client/channel-socket'
import { openChannelStream, type StreamOptions } from './client/channel-stream'
import { type ClientContext, expiresAt, OutpostError, type Tokens } from './client/shared'

export { OutpostError, type Tokens }
export type { ChannelMessage, ConnectionState } from './client/shared'
export type { ChannelSocket, SocketOptions } from './client/channel-socket'
export type { ChannelStream, StreamOptions } from './client/channel-stream'
export type * as Routers from './client/routers'

export type ClientOptions = {
  /** The API's origin, e.g. `https://outpost.example.com` (no `/api/v1`). */
  baseUrl: string
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch
  /** Opens a WebSocket; defaults to `new WebSocket(url, protocols)`. */
  webSocket?: (url: string, protocols: string[]) => WebSocket | Promise<WebSocket>
  /** Told of every new token pair (sign-in, refresh), and of `undefined` on sign-out or when the session ended. */
  onTokens?: (tokens: Tokens | undefined) => void
  /** Tokens from an earlier sign-in. */
  tokens?: Tokens
}

type ErrorReply = { success: false; error: { code: string; message: string; details?: Record<string, unknown> } }

/** The reply's `data`, or an `OutpostError` with its status and code. */
export async function dataOf<T>(
  res: ClientResponse<T, number, 'json'>,
): Promise<Extract<T, { data: unknown }>['data']> {
  const body = (await res.json()) as T | ErrorReply
  if (!res.ok) {
    const { error } = body as ErrorReply
    throw new OutpostError(res.status, error?.code ?? 'UNKNOWN', error?.message ?? `HTTP ${res.status}`, error?.details)
  }
  return (body as Extract<T, { data: unknown }>).data
}

async function isExpired(res: Response) {
  if (res.status !== 401) return false
  const body = (await res
    .clone()
    .json()
    .catch(() => undefined)) as ErrorReply | undefined
  return body?.error?.code === 'TOKEN_EXPIRED'
}

export function createClient(options: ClientOptions) {
  const baseUrl = options.baseUrl.replace(/\/+$/, '')
  const send: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init))
  let tokens = options.tokens
  let refreshing: Promise<boolean> | undefined
  const plain = hc<typeof authRouter>(`${baseUrl}/api/v1`, { fetch: send })

  const setTokens = (next: Tokens | undefined) => {
    tokens = next
    options.onTokens?.(next)
  }

  /** Rotates the refresh token; concurrent callers share one rotation. False when the session is over. */
  const refresh = () => {
    refreshing ??= (async () => {
      const refreshToken = tokens?.refreshToken
      if (!refreshToken) return false
      const res = await plain.auth.refresh.$post({ json: { refreshToken } })
      if ((res.status as number) === 401) setTokens(undefined)
      if (!res.ok) return false
      const pair = await dataOf(res)
      setTokens({ accessToken: pair.accessToken, refreshToken: pair.refreshToken })
      return true
    })().finally(() => {
      refreshing = undefined
    })
    return refreshing
  }

  /** Sends with the access token; on 401 TOKEN_EXPIRED, refreshes once and sends again. */
  const authed: typeof fetch = async (input, init) => {
    const request = new Request(input, init)
    const own = !request.headers.has('authorization')
    const attempt = (req: Request) => {
      if (own && tokens) req.headers.set('authorization', `Bearer ${tokens.accessToken}`)
      return send(req)
    }
    const retry = request.clone()
    const res = await attempt(request)
    if (!own || !(await isExpired(res)) || !(await refresh())) return res
    return attempt(retry)
  }

  const context: ClientContext = {
    baseUrl,
    fetch: authed,
    freshToken: async () => {
      if (tokens && expiresAt(tokens.accessToken) - Date.now() < 10_000) await refresh()
      return tokens?.accessToken
    },
    refresh,
    webSocket: options.webSocket ?? ((url, protocols) => new WebSocket(url, protocols)),
  }

  return {
    /**
     * The routes of one feature router (all are mounted under `/api/v1`), typed and signed in:
     * `routes<Routers.Jobs>().jobs[':id'].$get({ param: { id } })`.
     */
    // biome-ignore lint/suspicious/noExplicitAny: any router's env and schema
    routes: <R extends Hono<any, any, any>>() => hc<R>(`${baseUrl}/api/v1`, { fetch: authed }),
    baseUrl,
    /** `fetch` with the access token and the refresh on TOKEN_EXPIRED, for calls the typed routes do not cover. */
    fetch: authed,
    /** Signs in and keeps the token pair; returns the user. */
    async signIn(email: string, password: string) {
      const login = await dataOf(await plain.auth.login.$post({ json: { email, password } }))
      setTokens({ accessToken: login.accessToken, refreshToken: login.refreshToken })
      return login.user
    },
    /** Ends the session on the server (its sockets and streams close) and forgets the tokens. */
    async signOut() {
      const refreshToken = tokens?.refreshToken
      setTokens(undefined)
      if (refreshToken) await plain.auth.logout.$post({ json: { refreshToken } })
    },
    refresh,
    tokens: () => tokens,
    /** A channel's WebSocket that reconnects by itself and resumes with `?since=` (no event lost or repeated). */
    channelSocket: (channel: string, opts: SocketOptions = {}) => openChannelSocket(context, channel, opts),
    /** An SSE stream over channels that reconnects by itself and resumes with `Last-Event-ID`. */
    channelStream: (channels: string[], opts: StreamOptions = {}) => openChannelStream(context, channels, opts),
  }
}

export type OutpostClient = ReturnType<typeof createClient>
