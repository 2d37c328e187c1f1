/**
 * Files of a project: members who write tasks attach them, every member reads and lists them,
 * outsiders get 404 and leave nothing behind, and only the uploader or those who manage the
 * project remove one.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { call, data, expectError } from './helpers'
import { freshProject, seedCrew, type Crew, type Fixture } from './project-helpers'
import { fetchRaw, leftovers, png, sha256, upload, type UploadOut } from './upload-helpers'

const attach = (token: string, projectId: string) =>
  upload(token, [{ bytes: png(300), name: 'plan.png' }], { fields: { projectId } })

describe('project files', () => {
  let crew: Crew
  let project: Fixture
  let file: UploadOut

  beforeAll(async () => {
    crew = await seedCrew()
    project = await freshProject(crew)
    file = data(await attach(crew.member.token, project.projectId))
  })

  it('lets every member read and list a member’s file, and hides it from outsiders', async () => {
    expect(file.projectId).toBe(project.projectId)
    for (const who of [crew.owner, crew.admin, crew.viewer, crew.sysadmin]) {
      expect((await call('GET', `/uploads/${file.id}/url`, who.token)).status).toBe(200)
      const streamed = await fetchRaw(`/api/v1/uploads/${file.id}`, { token: who.token })
      expect(streamed.status).toBe(200)
      expect(await sha256(new Uint8Array(await streamed.arrayBuffer()))).toBe(file.sha256)
      const listed = data(await call<UploadOut[]>('GET', `/projects/${project.projectId}/files`, who.token))
      expect(listed.map((f) => f.id)).toContain(file.id)
    }
    expectError(await call('GET', `/uploads/${file.id}/url`, crew.outsider.token), 404, 'NOT_FOUND')
    const outsider = await fetchRaw(`/api/v1/uploads/${file.id}`, { token: crew.outsider.token })
    expect(outsider.status).toBe(404)
    await outsider.body?.cancel()
    expectError(await call('GET', `/projects/${project.projectId}/files`, crew.outsider.token), 404, 'NOT_FOUND')
  })

  it('refuses attachments from outsiders (404) and viewers (403), keeping nothing', async () => {
    expectError(await attach(crew.outsider.token, project.projectId), 404, 'NOT_FOUND')
    expect(await leftovers(crew.outsider.user.id)).toEqual({ objects: 0, rows: 0 })
    expectError(await attach(crew.viewer.token, project.projectId), 403, 'FORBIDDEN')
    expect(await leftovers(crew.viewer.user.id)).toEqual({ objects: 0, rows: 0 })
    const session = await call('POST', '/uploads/sessions', crew.outsider.token, {
      filename: 'big.png',
      contentType: 'image/png',
      projectId: project.projectId,
    })
    expectError(session, 404, 'NOT_FOUND')
  })

  it('lets the uploader and the project’s managers delete a file, not another member', async () => {
    const other = data(await attach(crew.member.token, project.projectId))
    expectError(await call('DELETE', `/uploads/${other.id}`, crew.viewer.token), 403, 'FORBIDDEN')
    expect((await call('DELETE', `/uploads/${other.id}`, crew.admin.token)).status).toBe(204)
    const mine = data(await attach(crew.member.token, project.projectId))
    expect((await call('DELETE', `/uploads/${mine.id}`, crew.member.token)).status).toBe(204)
  })

  it('leaves the files to their uploaders when the project is deleted', async () => {
    const doomed = await freshProject(crew)
    const kept = data(await attach(crew.member.token, doomed.projectId))
    expect((await call('DELETE', `/projects/${doomed.projectId}`, crew.owner.token)).status).toBe(204)
    expectError(await call('GET', `/uploads/${kept.id}/url`, crew.owner.token), 404, 'NOT_FOUND')
    expect((await call('GET', `/uploads/${kept.id}/url`, crew.member.token)).status).toBe(200)
  })
})
