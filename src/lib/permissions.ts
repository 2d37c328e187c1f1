/**
 * Permission strings are `resource:action`. A held permission grants a (resource, action) when
 * its resource is the same or `*`, and its action is the same, `*` or `manage`. A held
 * `<action>_own` grants the action only on the holder's own records.
 */
export type Grant = 'all' | 'own' | 'none'

export function grantFor(held: readonly string[], resource: string, action: string): Grant {
  let own = false
  for (const p of held) {
    const i = p.indexOf(':')
    const r = p.slice(0, i)
    const a = p.slice(i + 1)
    if (r !== resource && r !== '*') continue
    if (a === action || a === '*' || a === 'manage') return 'all'
    if (a === `${action}_own` || a === 'manage_own') own = true
  }
  return own ? 'own' : 'none'
}

/** True when `held` allows `action` on `resource` for a record owned by `ownerId` (omit for "any record"). */
export function can(held: readonly string[], principalId: string, resource: string, action: string, ownerId?: string) {
  const grant = grantFor(held, resource, action)
  return grant === 'all' || (grant === 'own' && ownerId !== undefined && ownerId === principalId)
}
