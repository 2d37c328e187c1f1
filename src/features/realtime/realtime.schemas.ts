import { z } from '@hono/zod-openapi'
import { CHANNEL_NAME, ChannelName, EventName } from './protocol'

const MAX_CHANNELS = 20
/** Every event is kept in the channel's replay log, so its size is bounded. */
const MAX_DATA_BYTES = 64 * 1024

/** `a,b,c` → distinct, valid channel names. */
const ChannelList = z
  .string()
  .transform((v) => [
    ...new Set(
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ])
  .pipe(
    z
      .array(z.string().regex(CHANNEL_NAME, 'each channel must be <public|user|project|coldcell|customer>:<id>'))
      .max(MAX_CHANNELS),
  )
  .openapi({
    type: 'string',
    example: 'public:news,public:alerts',
    description: `Comma-separated channel names (at most ${MAX_CHANNELS})`,
  })

const resume = {
  lastEventId: z
    .string()
    .max(4096)
    .optional()
    .openapi({ description: 'Resume position, for clients that cannot send the Last-Event-ID header' }),
}

export const PublicConnectQuery = z.object({
  channels: ChannelList.refine((l) => l.length > 0, 'at least one channel'),
  ...resume,
})
export const AuthConnectQuery = z.object({
  channels: ChannelList.optional(),
  access_token: z.string().optional(),
  ...resume,
})

export const ChannelParam = z.object({
  channel: ChannelName.openapi({ param: { name: 'channel', in: 'path' }, example: 'public:news' }),
})
export const UserIdParam = z.object({ userId: z.uuid().openapi({ param: { name: 'userId', in: 'path' } }) })
export const WsQuery = z.object({
  since: z
    .string()
    .regex(/^(.+:)?\d+$/, 'an event id: 42 or <channel>:42')
    .optional()
    .openapi({ description: 'Replay events after this id' }),
  access_token: z.string().optional(),
})

export const SendBody = z
  .strictObject({
    event: EventName.openapi({ example: 'notification' }),
    data: z
      .json()
      .optional()
      .refine(
        (d) => d === undefined || JSON.stringify(d).length <= MAX_DATA_BYTES,
        `must be at most ${MAX_DATA_BYTES / 1024} KB of JSON`,
      )
      .openapi({ type: 'object', example: { message: 'Your report is ready' } }),
  })
  .openapi('ChannelSend')

export const Sent = z
  .object({ channel: z.string(), id: z.number().int(), delivered: z.number().int() })
  .openapi('ChannelSent')
export const Broadcasted = z
  .object({ broadcastId: z.uuid(), channels: z.number().int(), delivered: z.number().int() })
  .openapi('Broadcast')

export const ConnectionStats = z
  .object({
    totals: z.object({
      channels: z.number().int(),
      connections: z.number().int(),
      websockets: z.number().int(),
      sse: z.number().int(),
      users: z.number().int(),
    }),
    channels: z.array(
      z.object({
        channel: z.string(),
        websockets: z.number().int(),
        sse: z.number().int(),
        users: z.number().int(),
        lastEventId: z.number().int(),
      }),
    ),
  })
  .openapi('ConnectionStats')

export const ConnectedClient = z
  .object({
    id: z.string(),
    userId: z.string().nullable(),
    transport: z.enum(['websocket', 'sse']),
    channels: z.array(z.string()),
    connectedAt: z.string(),
  })
  .openapi('ConnectedClient')
