import { z } from '@hono/zod-openapi'
import { TEMPLATE_NAMES } from '../email/email.templates'

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

export const MailboxQuery = z.object({
  to: z.email(),
  // A new account gets its welcome mail beside its code: the template picks one out.
  template: z.enum(TEMPLATE_NAMES).optional().openapi({ description: 'Only mail of this template' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
})
