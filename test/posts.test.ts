import { beforeAll, describe, expect, it } from 'vitest'
import { call, data, expectError, seedUser, validationDetails } from './helpers'

type Post = { id: string; authorId: string; title: string; content: string; published: boolean }
type Seeded = Awaited<ReturnType<typeof seedUser>>

let ada: Seeded
let bob: Seeded
let mod: Seeded
let tech: Seeded
beforeAll(async () => {
  ;[ada, bob, mod, tech] = await Promise.all([
    seedUser({ name: 'Ada' }),
    seedUser({ name: 'Bob' }),
    seedUser({ roles: ['moderator'] }),
    seedUser({ roles: ['technician'] }),
  ])
})

const write = async (who: Seeded, published: boolean, title = 'A post') =>
  data(await call<Post>('POST', '/posts', who.token, { title, content: 'Body', published }))

describe('posts', () => {
  it('takes the author from the caller and refuses authorId and unknown fields', async () => {
    const res = await call('POST', '/posts', ada.token, { title: 't', content: 'c', authorId: bob.user.id })
    expect(validationDetails(res)).toEqual({ 'json.authorId': 'unknown field' })
    const post = await write(ada, false)
    expect(post).toMatchObject({ authorId: ada.user.id, published: false })
    const put = await call('PUT', `/posts/${post.id}`, ada.token, { title: 'Mine', authorId: bob.user.id })
    expect(validationDetails(put)).toEqual({ 'json.authorId': 'unknown field' })
  })

  it('shows a draft to its author and moderators only; others get 404', async () => {
    const draft = await write(ada, false)
    expect((await call('GET', `/posts/${draft.id}`, ada.token)).status).toBe(200)
    expect((await call('GET', `/posts/${draft.id}`, mod.token)).status).toBe(200)
    expectError(await call('GET', `/posts/${draft.id}`, bob.token), 404, 'NOT_FOUND')
    expectError(await call('PUT', `/posts/${draft.id}`, bob.token, { title: 'Mine now' }), 404, 'NOT_FOUND')
    const bobSees = data(await call<Post[]>('GET', `/posts?authorId=${ada.user.id}&limit=100`, bob.token))
    expect(bobSees.some((p) => p.id === draft.id)).toBe(false)
    const modSees = data(await call<Post[]>('GET', `/posts?authorId=${ada.user.id}&published=false`, mod.token))
    expect(modSees.some((p) => p.id === draft.id)).toBe(true)
  })

  it('lets a user edit and delete only its own posts (403 on a published one of someone else)', async () => {
    const [mine, theirs] = [await write(ada, true), await write(bob, true)]
    expect(data(await call<Post>('PUT', `/posts/${mine.id}`, ada.token, { title: 'Edited' })).title).toBe('Edited')
    expectError(await call('PUT', `/posts/${theirs.id}`, ada.token, { title: 'Mine' }), 403, 'FORBIDDEN')
    expectError(await call('DELETE', `/posts/${theirs.id}`, ada.token), 403, 'FORBIDDEN')
    expect((await call('DELETE', `/posts/${mine.id}`, ada.token)).status).toBe(204)
  })

  it('lets a moderator manage every post', async () => {
    const draft = await write(bob, false)
    expect(data(await call<Post>('PUT', `/posts/${draft.id}`, mod.token, { published: true })).published).toBe(true)
    expect((await call('DELETE', `/posts/${draft.id}`, mod.token)).status).toBe(204)
  })

  it('refuses callers without posts permissions (403), and anonymous ones (401)', async () => {
    expectError(await call('GET', '/posts', tech.token), 403, 'FORBIDDEN')
    expectError(await call('POST', '/posts', tech.token, { title: 't', content: 'c' }), 403, 'FORBIDDEN')
    expectError(await call('GET', '/posts'), 401, 'UNAUTHORIZED')
  })

  it("lists a user's posts as the caller may see them, and 404 for an unknown user", async () => {
    const author = await seedUser()
    const [pub, draft] = [await write(author, true, 'Out'), await write(author, false, 'Draft')]
    const asOther = data(await call<Post[]>('GET', `/users/${author.user.id}/posts`, bob.token))
    expect(asOther.map((p) => p.id)).toEqual([pub.id])
    const asSelf = data(await call<Post[]>('GET', `/users/${author.user.id}/posts?sort=title`, author.token))
    expect(asSelf.map((p) => p.id)).toEqual([draft.id, pub.id])
    expectError(await call('GET', `/users/${crypto.randomUUID()}/posts`, bob.token), 404, 'NOT_FOUND')
  })
})
