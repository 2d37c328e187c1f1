import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses as e, jsonBody, jsonContent, successSchema } from '../../lib/envelope'
import { authed, requireAuth, requireRole } from '../../lib/auth'
import * as s from './realtime.schemas'

const tags = ['Realtime']
const security = [{ bearerAuth: [] }]
// Anonymous on public channels, signed in on the others. Typed, or `{}` would not fit createRoute's constraint.
const anonymousOrBearer: Record<string, string[]>[] = [{}, { bearerAuth: [] }]
const admin = authed(requireRole('admin'))
const eventStream = (description: string) => ({
  content: {
    'text/event-stream': {
      schema: z.string().openapi({ description: 'id:/event:/data: frames; data is a JSON ChannelMessage' }),
    },
  },
  description,
})
/** How connections end; docs/realtime.md ("When a connection ends") has the triggers. */
const CLOSE_CODES = [
  'The server closes a connection with 4000 (idle 60 s, sockets only),',
  '4001 `session ended: <why>` (logout, password reset or change, refresh-token reuse, account deleted),',
  '4002 `access token expired` (reconnect with a fresh token and resume),',
  'or 4003 `access to this channel was revoked` (a role or customer link was removed);',
  'none of them receives an event published after the change.',
].join(' ')
const resumeHeader = z.object({
  'last-event-id': z.string().optional().openapi({ description: 'The id of the last event received' }),
})

export const connect = createRoute({
  method: 'get',
  path: '/sse/connect',
  tags,
  summary: 'Stream public channels (SSE)',
  description:
    'Merges the channels into one stream. Each event id holds a position per channel, so Last-Event-ID resumes every channel exactly; `event: reset` means the id is older than the replay buffer and the client should refetch.',
  request: { query: s.PublicConnectQuery, headers: resumeHeader },
  responses: { 200: eventStream('Event stream'), ...e(401, 403, 422) },
})
export const authConnect = createRoute({
  method: 'get',
  path: '/sse/auth/connect',
  tags,
  security,
  middleware: [requireAuth({ allowQueryToken: true })] as const,
  summary: 'Stream your own user channel plus the channels you may read (SSE)',
  description: [
    'The token comes from `Authorization: Bearer` or `?access_token=` (EventSource cannot set headers).',
    `The stream lasts while the session, the token and the access to every channel do. It then ends with \`event: close\` and \`data: { code, reason, channel }\`: ${CLOSE_CODES}`,
  ].join('\n\n'),
  request: { query: s.AuthConnectQuery, headers: resumeHeader },
  responses: { 200: eventStream('Event stream'), ...e(401, 403, 422) },
})
export const userSend = createRoute({
  method: 'post',
  path: '/sse/user/send',
  tags,
  security,
  middleware: [requireAuth()] as const,
  summary: 'Send an event to your own channel',
  request: jsonBody(s.SendBody),
  responses: { 200: jsonContent(successSchema(s.Sent), 'Published'), ...e(401, 422) },
})
export const adminSendChannel = createRoute({
  method: 'post',
  path: '/sse/admin/send/channel/{channel}',
  tags,
  security,
  middleware: admin,
  summary: 'Send an event to a channel',
  request: { params: s.ChannelParam, ...jsonBody(s.SendBody) },
  responses: { 200: jsonContent(successSchema(s.Sent), 'Published'), ...e(401, 403, 422) },
})
export const adminSendUser = createRoute({
  method: 'post',
  path: '/sse/admin/send/user/{userId}',
  tags,
  security,
  middleware: admin,
  summary: "Send an event to a user's channel",
  request: { params: s.UserIdParam, ...jsonBody(s.SendBody) },
  responses: { 200: jsonContent(successSchema(s.Sent), 'Published'), ...e(401, 403, 404, 422) },
})
export const adminBroadcast = createRoute({
  method: 'post',
  path: '/sse/admin/broadcast',
  tags,
  security,
  middleware: admin,
  summary: 'Send an event to every connected client (SSE and WebSocket)',
  request: jsonBody(s.SendBody),
  responses: { 200: jsonContent(successSchema(s.Broadcasted), 'Broadcast'), ...e(401, 403, 422) },
})
export const adminStats = createRoute({
  method: 'get',
  path: '/sse/admin/stats',
  tags,
  security,
  middleware: admin,
  summary: 'Connections per channel, and totals',
  responses: { 200: jsonContent(successSchema(s.ConnectionStats), 'Stats'), ...e(401, 403) },
})
export const adminClients = createRoute({
  method: 'get',
  path: '/sse/admin/clients',
  tags,
  security,
  middleware: admin,
  summary: 'Connected clients',
  responses: { 200: jsonContent(successSchema(z.array(s.ConnectedClient)), 'Clients'), ...e(401, 403) },
})
export const socket = createRoute({
  method: 'get',
  path: '/realtime/channels/{channel}/ws',
  tags,
  security: anonymousOrBearer,
  summary: "Open a WebSocket on a channel's hub",
  description: [
    'Token: `?access_token=`, `Authorization: Bearer`, or `Sec-WebSocket-Protocol: bearer, <token>` (the reply selects `bearer`). Public channels accept anonymous sockets.',
    'Client frames `{ event, data }`: `ping`, `typing` / `stopTyping` (expires after 5 s), `getOnlineStatus { userIds }`, `publish { event, data }` (public channels when signed in, project channels for members), `auth { token }` (a refreshed access token of the same session: the socket then lasts until that one expires); on project channels `cursor_position { position }` (relayed to the others as `cursor_update { userId, position, timestamp }`, not stored, 20 per second per socket) and `task_update { taskId, changes }` (applied like PATCH /tasks/{id}, answered with `task_updated { task }` or `error`).',
    'Server frames: `connected`, `presence` (sync, join, leave), `typing`, `message` (a ChannelMessage), `onlineStatus`, `authenticated { expiresAt }`, `reset`, `error`, `pong`. `?since=` replays like SSE.',
    CLOSE_CODES,
  ].join('\n\n'),
  request: { params: s.ChannelParam, query: s.WsQuery },
  responses: { 101: { description: 'Switching protocols' }, ...e(401, 403, 422, 426) },
})
