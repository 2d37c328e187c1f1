import { and, eq, ne } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { roles, userRoles } from '../src/db/schema'
import { bumpRbacEpoch } from '../src/features/rbac/access.service'
import { adminCount, call, data, expectError, seedUser, tag, validationDetails, withDb } from './helpers'

type Role = {
  id: string
  name: string
  description: string
  isSystem: boolean
  permissions: string[]
  createdAt: string
}
type Permission = { id: string; resource: string; action: string; key: string; description: string; createdAt: string }
type Access = { roles: string[]; permissions: string[] }
type Check = { allowed: boolean; grant: 'all' | 'own' | 'none' }

const adminToken = async () => (await seedUser({ roles: ['admin'] })).token
const createRole = async (token: string, name = `role-${tag()}`, description?: string) =>
  data(await call<Role>('POST', '/rbac/roles', token, { name, description }))
const createPermission = async (token: string, resource = `res${tag()}`, action = 'read') =>
  data(await call<Permission>('POST', '/rbac/permissions', token, { resource, action }))
const roleNamed = async (token: string, name: string) =>
  data(await call<Role[]>('GET', '/rbac/roles', token)).find((r) => r.name === name)!
const permissionKeyed = async (token: string, key: string) =>
  data(await call<Permission[]>('GET', '/rbac/permissions', token)).find((p) => p.key === key)!
const myAccess = async (token: string) => data(await call<Access>('GET', '/rbac/me/permissions', token))

/** Leaves `userId` as the only holder of the admin role. */
async function makeSoleAdmin(userId: string) {
  await withDb(async (db) => {
    const [admin] = await db.select({ id: roles.id }).from(roles).where(eq(roles.name, 'admin'))
    await db.delete(userRoles).where(and(eq(userRoles.roleId, admin!.id), ne(userRoles.userId, userId)))
    await bumpRbacEpoch(db)
  })
}

describe('roles', () => {
  it('lists the default roles as system roles with their permissions', async () => {
    const list = data(await call<Role[]>('GET', '/rbac/roles', await adminToken()))
    const byName = Object.fromEntries(list.map((r) => [r.name, r]))
    expect(
      Object.values(byName)
        .filter((r) => r.isSystem)
        .map((r) => r.name)
        .sort(),
    ).toEqual(['admin', 'customer', 'moderator', 'technician', 'user'])
    expect(byName.admin!.permissions).toEqual(['*:*'])
    expect(byName.moderator!.permissions).toEqual(['posts:manage', 'users:read', 'users:read_own', 'users:update_own'])
    expect(byName.user!.permissions).toEqual([
      'posts:create',
      'posts:delete_own',
      'posts:read',
      'posts:update_own',
      'users:read_own',
      'users:update_own',
    ])
    expect(byName.customer!.permissions).toEqual(expect.arrayContaining(['users:read_own', 'users:update_own']))
    expect(byName.technician!.permissions).toEqual(expect.arrayContaining(['users:read_own', 'users:update_own']))
  })

  it('creates a custom role with no permissions and an empty description by default', async () => {
    const token = await adminToken()
    const name = `role-${tag()}`
    const res = await call<Role>('POST', '/rbac/roles', token, { name })
    expect(res.status).toBe(201)
    expect(data(res)).toMatchObject({ name, description: '', isSystem: false, permissions: [] })
    expect(data(await call<Role>('GET', `/rbac/roles/${data(res).id}`, token))).toEqual(data(res))
  })

  it('answers 409 CONFLICT for a role name that exists', async () => {
    const token = await adminToken()
    const role = await createRole(token)
    expectError(await call('POST', '/rbac/roles', token, { name: role.name }), 409, 'CONFLICT')
    expectError(await call('POST', '/rbac/roles', token, { name: 'admin' }), 409, 'CONFLICT')
  })

  it('creates exactly one role when two requests race for the same name', async () => {
    const token = await adminToken()
    const name = `race-${tag()}`
    const answers = await Promise.all([
      call('POST', '/rbac/roles', token, { name }),
      call('POST', '/rbac/roles', token, { name }),
    ])
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409])
    expect(data(await call<Role[]>('GET', '/rbac/roles', token)).filter((r) => r.name === name)).toHaveLength(1)
  })

  it.each([
    ['an uppercase name', { name: 'Editors' }, 'json.name'],
    ['a one-character name', { name: 'e' }, 'json.name'],
    ['a name with spaces', { name: 'content editors' }, 'json.name'],
    ['a missing name', { description: 'no name' }, 'json.name'],
    ['a description over 300 characters', { name: 'long-desc', description: 'x'.repeat(301) }, 'json.description'],
  ])('refuses %s with 422', async (_, body, field) => {
    expect(validationDetails(await call('POST', '/rbac/roles', await adminToken(), body))).toHaveProperty([field])
  })

  it('refuses a mass-assigned isSystem with 422 "unknown field"', async () => {
    const res = await call('POST', '/rbac/roles', await adminToken(), { name: `sys-${tag()}`, isSystem: true })
    expect(validationDetails(res)).toEqual({ 'json.isSystem': 'unknown field' })
  })

  it('answers 404 for an unknown role id and 422 for a malformed one', async () => {
    const token = await adminToken()
    expectError(await call('GET', `/rbac/roles/${crypto.randomUUID()}`, token), 404, 'NOT_FOUND')
    expect(validationDetails(await call('GET', '/rbac/roles/admin', token))).toHaveProperty(['param.id'])
  })

  it('renames and describes a custom role', async () => {
    const token = await adminToken()
    const role = await createRole(token)
    const name = `renamed-${tag()}`
    const res = await call<Role>('PUT', `/rbac/roles/${role.id}`, token, { name, description: 'Edits content' })
    expect(res.status).toBe(200)
    expect(data(res)).toMatchObject({ id: role.id, name, description: 'Edits content', isSystem: false })
  })

  it('answers 409 when renaming a role to a name that exists', async () => {
    const token = await adminToken()
    const [a, b] = [await createRole(token), await createRole(token)]
    expectError(await call('PUT', `/rbac/roles/${a.id}`, token, { name: b.name }), 409, 'CONFLICT')
    expect((await call<Role>('GET', `/rbac/roles/${a.id}`, token)).body).toMatchObject({ data: { name: a.name } })
  })

  it('refuses renaming a default role with 409 but lets its description change', async () => {
    const token = await adminToken()
    const moderator = await roleNamed(token, 'moderator')
    expectError(await call('PUT', `/rbac/roles/${moderator.id}`, token, { name: `mods-${tag()}` }), 409, 'CONFLICT')
    const res = await call<Role>('PUT', `/rbac/roles/${moderator.id}`, token, {
      description: 'Reads users and manages posts',
    })
    expect(res.status).toBe(200)
    expect(data(res)).toMatchObject({ name: 'moderator', description: 'Reads users and manages posts' })
  })

  it('answers 422 for an empty update and 404 for an unknown role', async () => {
    const token = await adminToken()
    const role = await createRole(token)
    validationDetails(await call('PUT', `/rbac/roles/${role.id}`, token, {}))
    expectError(await call('PUT', `/rbac/roles/${crypto.randomUUID()}`, token, { description: 'x' }), 404, 'NOT_FOUND')
  })

  it('deletes a custom role: 204, then 404', async () => {
    const token = await adminToken()
    const role = await createRole(token)
    const res = await call('DELETE', `/rbac/roles/${role.id}`, token)
    expect(res.status).toBe(204)
    expectError(await call('GET', `/rbac/roles/${role.id}`, token), 404, 'NOT_FOUND')
    expectError(await call('DELETE', `/rbac/roles/${role.id}`, token), 404, 'NOT_FOUND')
  })

  it('refuses deleting a default role with 409 and keeps it', async () => {
    const token = await adminToken()
    for (const name of ['user', 'admin']) {
      const role = await roleNamed(token, name)
      expectError(await call('DELETE', `/rbac/roles/${role.id}`, token), 409, 'CONFLICT')
      expect((await call('GET', `/rbac/roles/${role.id}`, token)).status).toBe(200)
    }
  })
})

describe('permissions', () => {
  it('lists permissions with their resource:action key, the wildcard included', async () => {
    const list = data(await call<Permission[]>('GET', '/rbac/permissions', await adminToken()))
    expect(list.find((p) => p.key === '*:*')).toMatchObject({ resource: '*', action: '*' })
    expect(list.map((p) => p.key)).toEqual(
      expect.arrayContaining(['users:read', 'users:read_own', 'users:update_own', 'posts:manage']),
    )
    for (const p of list) expect(p.key).toBe(`${p.resource}:${p.action}`)
  })

  it('creates a permission with its key', async () => {
    const token = await adminToken()
    const resource = `reports${tag()}`
    const res = await call<Permission>('POST', '/rbac/permissions', token, {
      resource,
      action: 'export',
      description: 'Export reports',
    })
    expect(res.status).toBe(201)
    expect(data(res)).toMatchObject({
      resource,
      action: 'export',
      key: `${resource}:export`,
      description: 'Export reports',
    })
    expect(data(await call<Permission>('GET', `/rbac/permissions/${data(res).id}`, token))).toEqual(data(res))
  })

  it('answers 409 CONFLICT for a resource and action pair that exists', async () => {
    const token = await adminToken()
    const p = await createPermission(token)
    expectError(
      await call('POST', '/rbac/permissions', token, { resource: p.resource, action: p.action }),
      409,
      'CONFLICT',
    )
    expectError(await call('POST', '/rbac/permissions', token, { resource: 'users', action: 'read' }), 409, 'CONFLICT')
  })

  it.each([
    ['an uppercase resource', { resource: 'Users', action: 'read' }, 'json.resource'],
    ['an action with a colon', { resource: 'users', action: 'read:all' }, 'json.action'],
    ['a missing action', { resource: 'users' }, 'json.action'],
    ['a mass-assigned key', { resource: 'users', action: 'export', key: 'users:export' }, 'json.key'],
  ])('refuses %s with 422', async (_, body, field) => {
    expect(validationDetails(await call('POST', '/rbac/permissions', await adminToken(), body))).toHaveProperty([field])
  })

  it('updates a permission description', async () => {
    const token = await adminToken()
    const p = await createPermission(token)
    const res = await call<Permission>('PUT', `/rbac/permissions/${p.id}`, token, { description: 'Now described' })
    expect(res.status).toBe(200)
    expect(data(res)).toMatchObject({ id: p.id, key: p.key, description: 'Now described' })
  })

  it('answers 409 when an update would duplicate a resource and action pair', async () => {
    const token = await adminToken()
    const a = await createPermission(token, `dup${tag()}`, 'read')
    const b = await createPermission(token, a.resource, 'write')
    expectError(await call('PUT', `/rbac/permissions/${b.id}`, token, { action: 'read' }), 409, 'CONFLICT')
    expect(data(await call<Permission>('GET', `/rbac/permissions/${b.id}`, token)).key).toBe(`${a.resource}:write`)
  })

  it('answers 404 for an unknown permission and 422 for an empty update', async () => {
    const token = await adminToken()
    const p = await createPermission(token)
    expectError(await call('GET', `/rbac/permissions/${crypto.randomUUID()}`, token), 404, 'NOT_FOUND')
    expectError(
      await call('PUT', `/rbac/permissions/${crypto.randomUUID()}`, token, { description: 'x' }),
      404,
      'NOT_FOUND',
    )
    validationDetails(await call('PUT', `/rbac/permissions/${p.id}`, token, {}))
    expect(validationDetails(await call('GET', '/rbac/permissions/users:read', token))).toHaveProperty(['param.id'])
  })

  it('deletes a permission: 204, then 404', async () => {
    const token = await adminToken()
    const p = await createPermission(token)
    expect((await call('DELETE', `/rbac/permissions/${p.id}`, token)).status).toBe(204)
    expectError(await call('GET', `/rbac/permissions/${p.id}`, token), 404, 'NOT_FOUND')
    expectError(await call('DELETE', `/rbac/permissions/${p.id}`, token), 404, 'NOT_FOUND')
  })
})

describe('user roles', () => {
  it("lists a user's roles", async () => {
    const token = await adminToken()
    const { user } = await seedUser({ roles: ['user', 'technician'] })
    const res = await call<Role[]>('GET', `/rbac/users/${user.id}/roles`, token)
    expect(data(res).map((r) => r.name)).toEqual(['technician', 'user'])
    expect(data(res)[1]!.permissions).toContain('users:read_own')
  })

  it('assigns a role with 201, and answers 200 with the same roles when it is already held', async () => {
    const token = await adminToken()
    const { user } = await seedUser({ roles: ['user'] })
    const role = await createRole(token)
    const first = await call<Role[]>('POST', `/rbac/users/${user.id}/roles`, token, { roleId: role.id })
    expect(first.status).toBe(201)
    expect(
      data(first)
        .map((r) => r.name)
        .sort(),
    ).toEqual([role.name, 'user'].sort())
    const again = await call<Role[]>('POST', `/rbac/users/${user.id}/roles`, token, { roleId: role.id })
    expect(again.status).toBe(200)
    expect(data(again)).toEqual(data(first))
  })

  it('answers one 201 and one 200 when the same role is assigned twice at once', async () => {
    const token = await adminToken()
    const { user } = await seedUser({ roles: ['user'] })
    const role = await createRole(token)
    const answers = await Promise.all(
      [0, 1].map(() => call('POST', `/rbac/users/${user.id}/roles`, token, { roleId: role.id })),
    )
    expect(answers.map((r) => r.status).sort()).toEqual([200, 201])
  })

  it('answers 404 for an unknown user or role, and 422 for a malformed role id', async () => {
    const token = await adminToken()
    const { user } = await seedUser()
    const role = await createRole(token)
    expectError(
      await call('POST', `/rbac/users/${crypto.randomUUID()}/roles`, token, { roleId: role.id }),
      404,
      'NOT_FOUND',
    )
    expectError(
      await call('POST', `/rbac/users/${user.id}/roles`, token, { roleId: crypto.randomUUID() }),
      404,
      'NOT_FOUND',
    )
    expectError(await call('GET', `/rbac/users/${crypto.randomUUID()}/roles`, token), 404, 'NOT_FOUND')
    expect(
      validationDetails(await call('POST', `/rbac/users/${user.id}/roles`, token, { roleId: 'admin' })),
    ).toHaveProperty(['json.roleId'])
    expect(
      validationDetails(
        await call('POST', `/rbac/users/${user.id}/roles`, token, { roleId: role.id, userId: user.id }),
      ),
    ).toEqual({
      'json.userId': 'unknown field',
    })
  })

  it('removes a role with 204, and answers 404 when the role is not assigned', async () => {
    const token = await adminToken()
    const { user } = await seedUser({ roles: ['user', 'customer'] })
    const customer = await roleNamed(token, 'customer')
    expect((await call('DELETE', `/rbac/users/${user.id}/roles`, token, { roleId: customer.id })).status).toBe(204)
    expect(data(await call<Role[]>('GET', `/rbac/users/${user.id}/roles`, token)).map((r) => r.name)).toEqual(['user'])
    expectError(await call('DELETE', `/rbac/users/${user.id}/roles`, token, { roleId: customer.id }), 404, 'NOT_FOUND')
    expectError(
      await call('DELETE', `/rbac/users/${crypto.randomUUID()}/roles`, token, { roleId: customer.id }),
      404,
      'NOT_FOUND',
    )
  })

  it('refuses removing the admin role from the last admin with 409, and allows it once another admin exists', async () => {
    const admin = await seedUser({ roles: ['admin'] })
    await makeSoleAdmin(admin.user.id)
    const adminRole = await roleNamed(admin.token, 'admin')
    expectError(
      await call('DELETE', `/rbac/users/${admin.user.id}/roles`, admin.token, { roleId: adminRole.id }),
      409,
      'CONFLICT',
    )
    expect((await call('GET', '/rbac/roles', admin.token)).status).toBe(200)

    await seedUser({ roles: ['admin'] })
    expect(
      (await call('DELETE', `/rbac/users/${admin.user.id}/roles`, admin.token, { roleId: adminRole.id })).status,
    ).toBe(204)
  })

  it('keeps an admin when the last two admins remove each other’s admin role at the same time', async () => {
    for (let round = 0; round < 10; round++) {
      const a = await seedUser({ roles: ['admin'] })
      await makeSoleAdmin(a.user.id)
      const b = await seedUser({ roles: ['admin'] })
      const adminRole = await roleNamed(a.token, 'admin')
      const answers = await Promise.all([
        call('DELETE', `/rbac/users/${b.user.id}/roles`, a.token, { roleId: adminRole.id }),
        call('DELETE', `/rbac/users/${a.user.id}/roles`, b.token, { roleId: adminRole.id }),
      ])
      expect({ round, statuses: answers.map((r) => r.status).sort(), admins: await adminCount() }).toEqual({
        round,
        statuses: expect.anything(),
        admins: 1,
      })
    }
  })
})

describe('role permissions', () => {
  it('grants a permission with 201, and answers 200 when the role already has it', async () => {
    const token = await adminToken()
    const role = await createRole(token)
    const p = await createPermission(token)
    const first = await call<Role>('POST', `/rbac/roles/${role.id}/permissions`, token, { permissionId: p.id })
    expect(first.status).toBe(201)
    expect(data(first)).toMatchObject({ id: role.id, permissions: [p.key] })
    const again = await call<Role>('POST', `/rbac/roles/${role.id}/permissions`, token, { permissionId: p.id })
    expect(again.status).toBe(200)
    expect(data(again).permissions).toEqual([p.key])
  })

  it('answers 404 for an unknown role or permission', async () => {
    const token = await adminToken()
    const role = await createRole(token)
    const p = await createPermission(token)
    expectError(
      await call('POST', `/rbac/roles/${crypto.randomUUID()}/permissions`, token, { permissionId: p.id }),
      404,
      'NOT_FOUND',
    )
    expectError(
      await call('POST', `/rbac/roles/${role.id}/permissions`, token, { permissionId: crypto.randomUUID() }),
      404,
      'NOT_FOUND',
    )
    expect(validationDetails(await call('POST', `/rbac/roles/${role.id}/permissions`, token, {}))).toHaveProperty([
      'json.permissionId',
    ])
  })

  it('revokes a permission with 204, and answers 404 when the role does not have it', async () => {
    const token = await adminToken()
    const p = await createPermission(token)
    const role = await createRole(token)
    await call('POST', `/rbac/roles/${role.id}/permissions`, token, { permissionId: p.id })
    expect((await call('DELETE', `/rbac/roles/${role.id}/permissions`, token, { permissionId: p.id })).status).toBe(204)
    expect(data(await call<Role>('GET', `/rbac/roles/${role.id}`, token)).permissions).toEqual([])
    expectError(
      await call('DELETE', `/rbac/roles/${role.id}/permissions`, token, { permissionId: p.id }),
      404,
      'NOT_FOUND',
    )
    expectError(
      await call('DELETE', `/rbac/roles/${crypto.randomUUID()}/permissions`, token, { permissionId: p.id }),
      404,
      'NOT_FOUND',
    )
  })
})

describe('check-permission', () => {
  const check = async (token: string, userId: string, body: { resource: string; action: string; ownerId?: string }) =>
    data(await call<Check>('POST', `/rbac/users/${userId}/check-permission`, token, body))

  it('answers grant "own" for an _own permission, allowed only when ownerId is the user', async () => {
    const token = await adminToken()
    const { user } = await seedUser({ roles: ['user'] })
    const { user: other } = await seedUser()
    expect(await check(token, user.id, { resource: 'users', action: 'update', ownerId: user.id })).toEqual({
      allowed: true,
      grant: 'own',
    })
    expect(await check(token, user.id, { resource: 'users', action: 'update', ownerId: other.id })).toEqual({
      allowed: false,
      grant: 'own',
    })
    expect(await check(token, user.id, { resource: 'users', action: 'update' })).toEqual({
      allowed: false,
      grant: 'own',
    })
  })

  it('answers grant "all" for a full permission, whoever owns the record', async () => {
    const token = await adminToken()
    const { user: moderator } = await seedUser({ roles: ['moderator'] })
    const { user: other } = await seedUser()
    expect(await check(token, moderator.id, { resource: 'users', action: 'read', ownerId: other.id })).toEqual({
      allowed: true,
      grant: 'all',
    })
    expect(await check(token, moderator.id, { resource: 'posts', action: 'delete' })).toEqual({
      allowed: true,
      grant: 'all',
    })
  })

  it('answers grant "all" for anything to an admin through *:*', async () => {
    const token = await adminToken()
    const { user: admin } = await seedUser({ roles: ['admin'] })
    expect(await check(token, admin.id, { resource: 'anything', action: 'whatever' })).toEqual({
      allowed: true,
      grant: 'all',
    })
  })

  it('answers grant "none" when no role grants it', async () => {
    const token = await adminToken()
    const { user } = await seedUser({ roles: ['user'] })
    expect(await check(token, user.id, { resource: 'rbac', action: 'manage', ownerId: user.id })).toEqual({
      allowed: false,
      grant: 'none',
    })
    expect(await check(token, user.id, { resource: 'users', action: 'delete', ownerId: user.id })).toEqual({
      allowed: false,
      grant: 'none',
    })
  })

  it('answers 404 for an unknown user and 422 for a bad body', async () => {
    const token = await adminToken()
    const { user } = await seedUser()
    expectError(
      await call('POST', `/rbac/users/${crypto.randomUUID()}/check-permission`, token, {
        resource: 'users',
        action: 'read',
      }),
      404,
      'NOT_FOUND',
    )
    expect(
      validationDetails(await call('POST', `/rbac/users/${user.id}/check-permission`, token, { resource: 'users' })),
    ).toHaveProperty(['json.action'])
    expect(
      validationDetails(
        await call('POST', `/rbac/users/${user.id}/check-permission`, token, {
          resource: 'users',
          action: 'read',
          ownerId: 'me',
        }),
      ),
    ).toHaveProperty(['json.ownerId'])
  })
})

describe('effective permissions', () => {
  it("answers a user's roles and their union of permissions, sorted", async () => {
    const token = await adminToken()
    const { user } = await seedUser({ roles: ['user', 'moderator'] })
    const res = await call<Access>('GET', `/rbac/users/${user.id}/permissions`, token)
    expect(data(res)).toEqual({
      roles: ['moderator', 'user'],
      permissions: [
        'posts:create',
        'posts:delete_own',
        'posts:manage',
        'posts:read',
        'posts:update_own',
        'users:read',
        'users:read_own',
        'users:update_own',
      ],
    })
    expectError(await call('GET', `/rbac/users/${crypto.randomUUID()}/permissions`, token), 404, 'NOT_FOUND')
  })

  it('answers the caller their own roles on /rbac/me/roles', async () => {
    const { token } = await seedUser({ roles: ['moderator'] })
    const res = await call<Role[]>('GET', '/rbac/me/roles', token)
    expect(res.status).toBe(200)
    expect(data(res)).toEqual([
      expect.objectContaining({
        name: 'moderator',
        isSystem: true,
        permissions: ['posts:manage', 'users:read', 'users:read_own', 'users:update_own'],
      }),
    ])
  })

  it('answers the caller their own roles and permissions on /rbac/me/permissions', async () => {
    const { token } = await seedUser({ roles: ['customer'] })
    expect(await myAccess(token)).toEqual({
      roles: ['customer'],
      permissions: ['alerts:read_own', 'devices:read_own', 'readings:read_own', 'users:read_own', 'users:update_own'],
    })
  })

  it('answers 401 to anonymous callers of the me routes', async () => {
    expectError(await call('GET', '/rbac/me/roles', undefined), 401, 'UNAUTHORIZED')
    expectError(await call('GET', '/rbac/me/permissions', undefined), 401, 'UNAUTHORIZED')
  })
})

describe('changes take effect on the next request', () => {
  it('lets a user list users right after a role with users:read is assigned, and stops them right after it is removed', async () => {
    const token = await adminToken()
    const reader = await seedUser({ roles: ['user'] })
    expect((await call('GET', '/users', reader.token)).status).toBe(403)
    const role = await createRole(token, `readers-${tag()}`)
    await call('POST', `/rbac/roles/${role.id}/permissions`, token, {
      permissionId: (await permissionKeyed(token, 'users:read')).id,
    })

    expect((await call('POST', `/rbac/users/${reader.user.id}/roles`, token, { roleId: role.id })).status).toBe(201)
    expect((await call('GET', '/users', reader.token)).status).toBe(200)

    expect((await call('DELETE', `/rbac/users/${reader.user.id}/roles`, token, { roleId: role.id })).status).toBe(204)
    expect((await call('GET', '/users', reader.token)).status).toBe(403)
  })

  it('shows a permission granted to the user role in /rbac/me/permissions on the next request, and drops it on revoke', async () => {
    const token = await adminToken()
    const { token: userToken } = await seedUser({ roles: ['user'] })
    expect((await myAccess(userToken)).permissions).not.toContain('reports:read')
    const userRole = await roleNamed(token, 'user')
    const reports = await createPermission(token, 'reports', 'read')
    try {
      expect(
        (await call('POST', `/rbac/roles/${userRole.id}/permissions`, token, { permissionId: reports.id })).status,
      ).toBe(201)
      expect((await myAccess(userToken)).permissions).toContain('reports:read')
    } finally {
      await call('DELETE', `/rbac/roles/${userRole.id}/permissions`, token, { permissionId: reports.id })
    }
    expect((await myAccess(userToken)).permissions).not.toContain('reports:read')
  })

  it('takes a deleted role away from its holders on the next request', async () => {
    const token = await adminToken()
    const holder = await seedUser({ roles: ['user'] })
    const role = await createRole(token)
    await call('POST', `/rbac/roles/${role.id}/permissions`, token, {
      permissionId: (await permissionKeyed(token, 'users:read')).id,
    })
    await call('POST', `/rbac/users/${holder.user.id}/roles`, token, { roleId: role.id })
    expect((await call('GET', '/users', holder.token)).status).toBe(200)

    expect((await call('DELETE', `/rbac/roles/${role.id}`, token)).status).toBe(204)
    expect((await call('GET', '/users', holder.token)).status).toBe(403)
    expect((await myAccess(holder.token)).roles).toEqual(['user'])
  })

  it('shows a renamed permission and drops a deleted one on the next request', async () => {
    const token = await adminToken()
    const holder = await seedUser({ roles: ['user'] })
    const role = await createRole(token)
    const p = await createPermission(token, `widgets${tag()}`, 'read')
    await call('POST', `/rbac/roles/${role.id}/permissions`, token, { permissionId: p.id })
    await call('POST', `/rbac/users/${holder.user.id}/roles`, token, { roleId: role.id })
    expect((await myAccess(holder.token)).permissions).toContain(p.key)

    await call('PUT', `/rbac/permissions/${p.id}`, token, { action: 'write' })
    expect((await myAccess(holder.token)).permissions).toEqual(expect.arrayContaining([`${p.resource}:write`]))
    expect((await myAccess(holder.token)).permissions).not.toContain(p.key)

    await call('DELETE', `/rbac/permissions/${p.id}`, token)
    expect((await myAccess(holder.token)).permissions.filter((k) => k.startsWith(p.resource))).toEqual([])
  })

  it('shows a renamed role in the holder’s roles on the next request', async () => {
    const token = await adminToken()
    const holder = await seedUser({ roles: ['user'] })
    const role = await createRole(token)
    await call('POST', `/rbac/users/${holder.user.id}/roles`, token, { roleId: role.id })
    expect((await myAccess(holder.token)).roles).toContain(role.name)
    const name = `renamed-${tag()}`
    await call('PUT', `/rbac/roles/${role.id}`, token, { name })
    expect((await myAccess(holder.token)).roles).toEqual([name, 'user'].sort())
  })

  it('lets a user manage RBAC right after being made admin', async () => {
    const token = await adminToken()
    const promoted = await seedUser({ roles: ['user'] })
    expect((await call('GET', '/rbac/roles', promoted.token)).status).toBe(403)
    await call('POST', `/rbac/users/${promoted.user.id}/roles`, token, { roleId: (await roleNamed(token, 'admin')).id })
    expect((await call('GET', '/rbac/roles', promoted.token)).status).toBe(200)
  })
})

describe('the admin lock-out guards', () => {
  it('refuses to change or delete the *:* permission (409)', async () => {
    const token = await adminToken()
    const superPerm = await permissionKeyed(token, '*:*')
    expectError(await call('PUT', `/rbac/permissions/${superPerm.id}`, token, { action: 'read' }), 409, 'CONFLICT')
    expectError(await call('DELETE', `/rbac/permissions/${superPerm.id}`, token), 409, 'CONFLICT')
    expect((await myAccess(token)).permissions).toEqual(['*:*'])
  })

  it('refuses to take *:* from the admin role (409)', async () => {
    const token = await adminToken()
    const admin = await roleNamed(token, 'admin')
    const superPerm = await permissionKeyed(token, '*:*')
    expectError(
      await call('DELETE', `/rbac/roles/${admin.id}/permissions`, token, { permissionId: superPerm.id }),
      409,
      'CONFLICT',
    )
  })
})
