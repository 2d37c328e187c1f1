import { beforeAll, describe, expect, it, vi } from 'vitest'
import { call, data } from './helpers'
import { freshProject, seedCrew, type Crew } from './project-helpers'
import {
  expectSocketClosed,
  expectSocketOpen,
  openSocket,
  openSse,
  openGreeted,
  publishAfter,
} from './realtime-clients'

// Every committed change to a project's tasks and members is published on `project:<id>`; only
// members may listen, and a member removed from the project is cut off before the removal answers.

type Message = { event: string; payload: Record<string, unknown>; channel: string }

let crew: Crew
beforeAll(async () => {
  crew = await seedCrew()
})

const channelOf = (projectId: string) => `project:${projectId}`

describe('project channels', () => {
  it('delivers task.created, task.updated (with the changed fields) and task.deleted to a member socket', async () => {
    const { projectId } = await freshProject(crew)
    const [s] = await openGreeted(crew.viewer.token, channelOf(projectId))
    const task = data(
      await call<{ id: string }>('POST', `/projects/${projectId}/tasks`, crew.member.token, { title: 'Live' }),
    )
    const created = (await s!.next('message')).data as unknown as Message
    expect(created).toMatchObject({ event: 'task.created', payload: { task: { id: task.id, title: 'Live' } } })
    await call('PATCH', `/tasks/${task.id}`, crew.member.token, { status: 'review', title: 'Live' })
    const updated = (await s!.next('message')).data as unknown as Message
    expect(updated).toMatchObject({ event: 'task.updated', payload: { task: { id: task.id, status: 'review' } } })
    expect(updated.payload.changes).toEqual(['status'])
    await call('DELETE', `/tasks/${task.id}`, crew.member.token)
    expect((await s!.next('message')).data).toMatchObject({
      event: 'task.deleted',
      payload: { taskId: task.id, projectId },
    })
    s!.ws.close()
  })

  it('delivers member.added and member.removed, and task changes to a member SSE stream', async () => {
    const { projectId, taskId, extraId } = await freshProject(crew)
    const stream = await openSse(`/api/v1/sse/auth/connect?channels=${channelOf(projectId)}`, {
      authorization: `Bearer ${crew.member.token}`,
    })
    expect(stream.res.status).toBe(200)
    expect((await stream.next()).event).toBe('connected')
    await call('PATCH', `/tasks/${taskId}`, crew.assignee.token, { status: 'done' })
    await call('PUT', `/projects/${projectId}/members/${extraId}`, crew.owner.token, { role: 'viewer' })
    await call('POST', `/projects/${projectId}/members`, crew.owner.token, { userId: crew.outsider.user.id })
    await call('DELETE', `/projects/${projectId}/members/${crew.outsider.user.id}`, crew.owner.token)
    const events: string[] = []
    while (events.length < 4) {
      const e = await stream.next()
      if ((e.data as { channel?: string }).channel === channelOf(projectId)) events.push(e.event)
    }
    expect(events).toEqual(['task.updated', 'member.updated', 'member.added', 'member.removed'])
    await stream.close()
  })

  it('refuses non-members (403) on WebSocket and SSE; viewers and system admins may listen', async () => {
    const { projectId } = await freshProject(crew)
    const ch = channelOf(projectId)
    expect((await openSocket(ch, { token: crew.outsider.token })).res.status).toBe(403)
    expect((await openSocket(ch)).res.status).toBe(401)
    const sse = await openSse(`/api/v1/sse/auth/connect?channels=${ch}`, {
      authorization: `Bearer ${crew.outsider.token}`,
    })
    expect(sse.res.status).toBe(403)
    for (const who of [crew.viewer, crew.sysadmin]) {
      const s = await openSocket(ch, { token: who.token })
      expect(s.res.status).toBe(101)
      s.ws.close()
    }
  })

  it('closes the socket of a removed member (4003) and keeps the others', async () => {
    const { projectId } = await freshProject(crew)
    const ch = channelOf(projectId)
    const [removed] = await openGreeted(crew.member.token, ch)
    const [kept] = await openGreeted(crew.viewer.token, ch)
    expect(
      (await call('DELETE', `/projects/${projectId}/members/${crew.member.user.id}`, crew.owner.token)).status,
    ).toBe(204)
    await publishAfter(ch)
    expect(await expectSocketClosed(removed!, 4003)).toBe('access to this channel was revoked')
    const left = (await kept!.next('message')).data
    expect(left).toMatchObject({ event: 'member.removed', payload: { userId: crew.member.user.id } })
    await expectSocketOpen(kept!)
    kept!.ws.close()
  })

  it('tells subscribers a project was deleted, then closes every connection to it', async () => {
    const { projectId } = await freshProject(crew)
    const ch = channelOf(projectId)
    const [s] = await openGreeted(crew.viewer.token, ch)
    expect((await call('DELETE', `/projects/${projectId}`, crew.owner.token)).status).toBe(204)
    expect((await s!.next('message')).data).toMatchObject({ event: 'project.deleted', payload: { projectId } })
    expect((await s!.ended).code).toBe(4003)
    expect((await openSocket(ch, { token: crew.viewer.token })).res.status).toBe(403)
  })
})

describe('task.assigned', () => {
  it('notifies a new assignee (stored and pushed on its user channel), not one who assigns itself', async () => {
    const { projectId, taskId } = await freshProject(crew)
    const [own] = await openGreeted(crew.member.token, `user:${crew.member.user.id}`)
    // Self-assignment first: by the time the later assignment has notified, this one would have too.
    const self = data(
      await call<{ id: string }>('POST', `/projects/${projectId}/tasks`, crew.admin.token, {
        title: 'Mine',
        assigneeId: crew.admin.user.id,
      }),
    )
    await call('PATCH', `/tasks/${taskId}`, crew.owner.token, { assigneeId: crew.member.user.id })
    const pushed = (await own!.next('message')).data
    expect(pushed).toMatchObject({
      event: 'notification',
      payload: { type: 'task.assigned', data: { taskId, projectId } },
    })
    type Note = { type: string; data: { taskId?: string } }
    const notes = async (token: string) =>
      data(await call<Note[]>('GET', '/notifications?limit=100', token)).filter((n) => n.type === 'task.assigned')
    await vi.waitFor(async () => expect((await notes(crew.member.token)).map((n) => n.data.taskId)).toContain(taskId))
    expect((await notes(crew.admin.token)).map((n) => n.data.taskId)).not.toContain(self.id)
    own!.ws.close()
  })
})

describe('project socket frames', () => {
  it('relays cursor_position to the other sockets as cursor_update, not back to the sender', async () => {
    const { projectId } = await freshProject(crew)
    const [a, b] = [
      ...(await openGreeted(crew.member.token, channelOf(projectId))),
      ...(await openGreeted(crew.viewer.token, channelOf(projectId))),
    ]
    a!.send({ event: 'cursor_position', data: { position: { x: 10, y: 20, taskId: 'card-1' } } })
    const seen = (await b!.next('cursor_update')).data
    expect(seen).toEqual({
      userId: crew.member.user.id,
      position: { x: 10, y: 20, taskId: 'card-1' },
      timestamp: expect.any(Number),
    })
    // The sender's own publish comes after its cursor on the same socket: the cursor never came back.
    a!.send({ event: 'publish', data: { event: 'marker' } })
    await a!.next('message')
    expect(a!.frames.filter((f) => f.event === 'cursor_update')).toEqual([])
    a!.ws.close()
    b!.ws.close()
  })

  it('rate-limits cursor_position per socket, answering RATE_LIMITED past the budget', async () => {
    const { projectId } = await freshProject(crew)
    const [a, b] = [
      ...(await openGreeted(crew.member.token, channelOf(projectId))),
      ...(await openGreeted(crew.viewer.token, channelOf(projectId))),
    ]
    for (let i = 0; i < 60; i++) a!.send({ event: 'cursor_position', data: { position: i } })
    a!.send({ event: 'publish', data: { event: 'marker' } })
    expect((await a!.next('error')).data).toMatchObject({ code: 'RATE_LIMITED' })
    await b!.next('message') // the marker: every relayed cursor came before it
    const relayed = b!.frames.filter((f) => f.event === 'cursor_update').length
    expect(relayed).toBeGreaterThan(0)
    expect(relayed).toBeLessThan(60)
    a!.ws.close()
    b!.ws.close()
  })

  it('applies task_update like PATCH /tasks/{id}: answered with the task, published as task.updated', async () => {
    const { projectId, taskId } = await freshProject(crew)
    const [s] = await openGreeted(crew.member.token, channelOf(projectId))
    s!.send({ event: 'task_update', data: { taskId, changes: { status: 'review' } } })
    // Published before the frame is answered, as a PATCH publishes before it responds.
    expect((await s!.next('message')).data).toMatchObject({ event: 'task.updated', payload: { changes: ['status'] } })
    expect((await s!.next('task_updated')).data).toMatchObject({ task: { id: taskId, status: 'review' } })
    expect(data(await call<{ status: string }>('GET', `/tasks/${taskId}`, crew.owner.token)).status).toBe('review')
    s!.ws.close()
  })

  it('answers a task_update the rules refuse with an error frame, and changes nothing', async () => {
    const { projectId, taskId } = await freshProject(crew)
    const other = await freshProject(crew)
    const [viewer] = await openGreeted(crew.viewer.token, channelOf(projectId))
    viewer!.send({ event: 'task_update', data: { taskId, changes: { status: 'done' } } })
    expect((await viewer!.next('error')).data).toMatchObject({ code: 'FORBIDDEN' })
    viewer!.send({ event: 'task_update', data: { taskId, changes: { createdBy: crew.viewer.user.id } } })
    expect((await viewer!.next('error')).data).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { 'changes.createdBy': 'unknown field' },
    })
    viewer!.send({ event: 'task_update', data: { taskId: other.taskId, changes: { status: 'done' } } })
    expect((await viewer!.next('error')).data).toMatchObject({ code: 'NOT_FOUND' })
    expect(data(await call<{ status: string }>('GET', `/tasks/${taskId}`, crew.owner.token)).status).toBe('todo')
    viewer!.ws.close()
  })
})
