import { z } from 'zod'

/** What a template may use besides its data: the recipient, and the frontend its links open (APP_URL). */
export type RenderContext = { to: string; appUrl: string }

/** A page of the frontend, its query values encoded. */
const link = (ctx: RenderContext, path: string, query: Record<string, string>) =>
  `${ctx.appUrl}${path}?${new URLSearchParams(query)}`

/**
 * Each template: its data schema and how it renders. Structured data stays queryable in the dev
 * mailbox; links are built when the mail is rendered, so the data holds only the code or token.
 */
export const templates = {
  'verify-email': {
    data: z.object({ name: z.string(), code: z.string().regex(/^\d{6}$/) }),
    render: (d: { name: string; code: string }, ctx: RenderContext) => ({
      subject: 'Your Outpost verification code',
      text: `Hi ${d.name},\n\nYour verification code is ${d.code}. It expires in 10 minutes.\n\nOr open this link to verify your email:\n${link(ctx, '/verify-email', { email: ctx.to, code: d.code })}\n`,
    }),
  },
  'reset-password': {
    data: z.object({ name: z.string(), token: z.string().min(16) }),
    render: (d: { name: string; token: string }, ctx: RenderContext) => ({
      subject: 'Reset your Outpost password',
      text: `Hi ${d.name},\n\nOpen this link to reset your password within 1 hour:\n${link(ctx, '/reset-password', { token: d.token })}\n\nOr use this token:\n\n${d.token}\n\nIf you did not ask for this, ignore this email.\n`,
    }),
  },
  welcome: {
    data: z.object({ name: z.string() }),
    render: (d: { name: string }, ctx: RenderContext) => ({
      // A name may hold line breaks; a subject must not.
      subject: `Welcome to Outpost, ${d.name.replace(/\s+/g, ' ')}`,
      text: `Hi ${d.name},\n\nWelcome to Outpost: your account is ready. Sign in at ${ctx.appUrl} (if we sent you a verification code, verify your email first).\n\nUpdates about your jobs, devices and alerts will reach you in the app and by email.\n`,
    }),
  },
  'account-deleted': {
    data: z.object({}),
    render: (_d: Record<string, never>, ctx: RenderContext) => ({
      subject: 'Your Outpost account was deleted',
      text: `Hello,\n\nThe Outpost account of ${ctx.to} has been deleted by an administrator, with its sessions, jobs and notifications. You will receive no more email from it.\n\nIf you did not expect this, contact your Outpost administrator.\n`,
    }),
  },
  'payment-completed': {
    data: z.object({ name: z.string(), plan: z.string(), amount: z.string() }),
    render: (d: { name: string; plan: string; amount: string }, ctx: RenderContext) => ({
      subject: `Payment received: you are on ${d.plan}`,
      text: `Hi ${d.name},\n\nThank you: we received your payment of ${d.amount}, and your account is now on the ${d.plan} plan.\n\nYour payments: ${ctx.appUrl}/billing\n`,
    }),
  },
  'payment-failed': {
    data: z.object({ name: z.string(), plan: z.string(), amount: z.string(), downgraded: z.boolean() }),
    render: (d: { name: string; plan: string; amount: string; downgraded: boolean }, ctx: RenderContext) => ({
      subject: d.downgraded ? `Payment failed: your plan is now FREE` : `Payment failed for your ${d.plan} plan`,
      text: `Hi ${d.name},\n\nWe could not collect ${d.amount} for your ${d.plan} plan.${
        d.downgraded
          ? ' Stripe has stopped retrying, so your account is back on FREE and jobs beyond its limits are paused.'
          : ' Stripe will retry; update your payment method to keep your plan.'
      }\n\nBilling: ${ctx.appUrl}/billing\n`,
    }),
  },
  'weekly-report': {
    data: z.object({
      week: z.string(),
      projects: z.array(z.object({ name: z.string(), done: z.number(), open: z.number(), overdue: z.number() })),
    }),
    render: (
      d: { week: string; projects: { name: string; done: number; open: number; overdue: number }[] },
      ctx: RenderContext,
    ) => ({
      subject: `Your projects, week of ${d.week}`,
      text: `Tasks done in the last 7 days, open now and overdue, per project you own:\n\n${d.projects
        .map((p) => `- ${p.name.replace(/\s+/g, ' ')}: ${p.done} done, ${p.open} open, ${p.overdue} overdue`)
        .join('\n')}\n\nYour projects: ${ctx.appUrl}/projects\n`,
    }),
  },
  notice: {
    data: z.object({ subject: z.string().min(1).max(200), text: z.string().min(1) }),
    render: (d: { subject: string; text: string }) => d,
  },
} as const

export type TemplateName = keyof typeof templates
export type TemplateData<T extends TemplateName> = z.infer<(typeof templates)[T]['data']>

export const TEMPLATE_NAMES = Object.keys(templates) as [TemplateName, ...TemplateName[]]

export const EmailMessageSchema = z.object({
  id: z.string().min(1).max(100),
  to: z.email(),
  template: z.enum(TEMPLATE_NAMES),
  data: z.record(z.string(), z.unknown()),
})
export type EmailMessage = z.infer<typeof EmailMessageSchema>

export function render(message: EmailMessage, appUrl: string) {
  const template = templates[message.template]
  const data = template.data.parse(message.data)
  const ctx: RenderContext = { to: message.to, appUrl }
  return (template.render as (d: typeof data, ctx: RenderContext) => { subject: string; text: string })(data, ctx)
}
