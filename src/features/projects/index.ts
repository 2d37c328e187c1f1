import { createRouter } from '../../lib/create-router'
import * as mh from './members.handlers'
import * as mr from './members.routes'
import * as h from './projects.handlers'
import * as r from './projects.routes'

export const projectsRouter = createRouter()
  .openapi(r.list, h.list)
  .openapi(r.create, h.create)
  .openapi(r.get, h.get)
  .openapi(r.update, h.update)
  .openapi(r.remove, h.remove)
  .openapi(mr.listMembers, mh.listMembers)
  .openapi(mr.addMember, mh.addMember)
  .openapi(mr.updateMember, mh.updateMember)
  .openapi(mr.removeMember, mh.removeMember)
  .openapi(mr.transfer, mh.transfer)
