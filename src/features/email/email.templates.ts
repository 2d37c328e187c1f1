import { z } from 'zod'

/** Each template: its data schema and how it renders. Structured data stays queryable in the dev mailbox. */
export const templates = {
  'verify-email': {
    data: z.object({ name: z.string(), code: z.string().regex(/^\d{6}$/) }),
    render: (d: { name: string; code: string }) => ({
      subject: 'Your Outpost verification code',
      text: `Hi ${d.name},\n\nYour verification code is ${d.code}. It expires in 10 minutes.\n`,
    }),
  },
  'reset-password': {
    data: z.object({ name: z.string(), token: z.string().min(16) }),
    render: (d: { name: string; token: string }) => ({
      subject: 'Reset your Outpost password',
      text: `Hi ${d.name},\n\nUse this token to reset your password within 1 hour:\n\n${d.token}\n\nIf you did not ask for this, ignore this email.\n`,
    }),
  },
  notice: {
    data: z.object({ subject: z.string().min(1).max(200), text: z.string().min(1) }),
    render: (d: { subject: string; text: string }) => d,
  },
} as const

export type TemplateName = keyof typeof templates
export type TemplateData<T extends TemplateName> = z.infer<(typeof templates)[T]['data']>

export const EmailMessageSchema = z.object({
  id: z.string().min(1).max(100),
  to: z.email(),
  template: z.enum(Object.keys(templates) as [TemplateName, ...TemplateName[]]),
  data: z.record(z.string(), z.unknown()),
})
export type EmailMessage = z.infer<typeof EmailMessageSchema>

export function render(message: EmailMessage) {
  const template = templates[message.template]
  const data = template.data.parse(message.data)
  return (template.render as (d: typeof data) => { subject: string; text: string })(data)
}
