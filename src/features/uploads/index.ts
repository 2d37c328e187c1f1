import { createRouter } from '../../lib/create-router'
import * as sh from './sessions.handlers'
import * as sr from './sessions.routes'
import * as h from './uploads.handlers'
import * as r from './uploads.routes'

// Static paths (/uploads/multiple, /uploads/sessions) before /uploads/{id}.
export const uploadsRouter = createRouter()
  .openapi(r.uploadOne, h.uploadOne)
  .openapi(r.uploadMany, h.uploadMany)
  .openapi(sr.create, sh.create)
  .openapi(sr.get, sh.get)
  .openapi(sr.putPart, sh.putPart)
  .openapi(sr.complete, sh.complete)
  .openapi(sr.abort, sh.abort)
  .openapi(r.get, h.get)
  .openapi(r.signedUrl, h.signedUrl)
  .openapi(r.content, h.content)
  .openapi(r.remove, h.remove)
  .openapi(r.projectFiles, h.projectFiles)
