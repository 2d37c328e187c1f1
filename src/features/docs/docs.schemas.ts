import { z } from '@hono/zod-openapi'

export const RootSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    environment: z.string(),
    links: z.record(z.string(), z.string()),
  })
  .openapi('Root')
