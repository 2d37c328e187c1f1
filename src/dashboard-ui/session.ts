import { createClient, dataOf, OutpostError, type Routers } from '../client'

/** The signed-in user as the login reply gives it. */
export type User = { id: string; email: string; name: string; roles: string[] }

/**
 * The page's one client. Tokens live only in this module's memory (never in storage): a reload signs out, and
 * the client refreshes them by itself on 401 TOKEN_EXPIRED. `onSignedOut` runs when the session ends
 * (sign-out, or a refresh the server refused).
 */
export const client = createClient({
  baseUrl: location.origin,
  onTokens: (tokens) => {
    if (!tokens && user) {
      user = undefined
      for (const listener of signedOut) listener()
    }
  },
})

let user: User | undefined
const signedOut = new Set<() => void>()

export const currentUser = () => user
export const hasRole = (...roles: string[]) => !!user && user.roles.some((r) => roles.includes(r))
export const onSignedOut = (listener: () => void) => signedOut.add(listener)

export async function signIn(email: string, password: string) {
  user = await client.signIn(email, password)
  return user
}

export async function signOut() {
  await client.signOut().catch(() => undefined)
}

// The feature routers, typed per feature (src/client.ts): a route renamed on the server breaks this build.
export const api = {
  coldCells: client.routes<Routers.ColdCells>(),
  devices: client.routes<Routers.Devices>(),
  readings: client.routes<Routers.Readings>(),
  alerts: client.routes<Routers.Alerts>(),
  jobs: client.routes<Routers.Jobs>(),
  health: client.routes<Routers.Health>(),
  scheduler: client.routes<Routers.Scheduler>(),
  deadLetters: client.routes<Routers.DeadLetters>(),
  realtime: client.routes<Routers.Realtime>(),
}

export { dataOf, OutpostError }

/** A message for people out of whatever a call threw. */
export const errorText = (err: unknown) =>
  err instanceof OutpostError ? `${err.message} (${err.code})` : err instanceof Error ? err.message : String(err)
