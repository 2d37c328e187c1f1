import { z } from '@hono/zod-openapi'

export const MailSchema = z
  .object({
    id: z.string(),
    to: z.email(),
    template: z.string(),
    subject: z.string(),
    text: z.string(),
    data: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'Structured template fields, e.g. `code` (OTP) or `token` (reset)' }),
    createdAt: z.iso.datetime(),
  })
  .openapi('MailboxEntry')

export const MailboxQuery = z.object({ to: z.email(), limit: z.coerce.number().int().min(1).max(100).default(20) })
