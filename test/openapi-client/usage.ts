// Type-checked by `npm run lint:openapi` against dist/openapi.d.ts, which openapi-typescript generates from the
// OpenAPI document: a client in another toolchain gets usable types, named by the document's operationIds.
import type { operations, paths } from '../../dist/openapi'

type Login = operations['postAuthLogin']
type LoginBody = Login['requestBody']['content']['application/json']
type LoginReply = Login['responses'][200]['content']['application/json']

export const body: LoginBody = { email: 'ada@example.com', password: 'correct horse battery staple' }
// @ts-expect-error unknown fields are refused (no mass assignment), and the generated type says so
export const extra: LoginBody = { email: 'ada@example.com', password: 'x', role: 'admin' }
export const accessToken = (reply: LoginReply): string => reply.data.accessToken

type Ingest = paths['/api/v1/readings/devices/{serialNumber}/readings']['post']
export const serial: Ingest['parameters']['path']['serialNumber'] = 'CC-1001'
type IngestError = Ingest['responses'][401]['content']['application/json']
export const code = (e: IngestError): string => e.error.code

type Job = operations['getJobsById']['responses'][200]['content']['application/json']['data']
export const nextRun = (job: Job) => job.nextRunAt
