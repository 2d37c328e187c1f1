// Bench-only worker, served by the same Miniflare/workerd as the app (bench/workers.ts routes it).
//   /__bench/hello   the harness ceiling: the smallest possible response.
//   /__bench/pbkdf2  one PBKDF2-SHA256 derivation per request, exactly as src/lib/password.ts derives
//                    a login's hash (import the password, derive with a fresh salt) and nothing else.
//                    Iterations, salt and hash sizes come from PASSWORD_PARAMS via bindings.
//   /__bench/r2put/<key>  PUT: the body `put` into the UPLOADS bucket under <key>, nothing else (bench/uploads.ts).
const PASSWORD = new TextEncoder().encode('outpost-user-demo')

async function pbkdf2(env) {
  const salt = crypto.getRandomValues(new Uint8Array(Number(env.PBKDF2_SALT_BYTES)))
  const key = await crypto.subtle.importKey('raw', PASSWORD, 'PBKDF2', false, ['deriveBits'])
  const iterations = Number(env.PBKDF2_ITERATIONS)
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    key,
    Number(env.PBKDF2_HASH_BYTES) * 8,
  )
  return new Response(`pbkdf2-sha256 ${iterations} ${bits.byteLength}`)
}

export default {
  fetch(request, env) {
    const url = new URL(request.url)
    if (url.pathname === '/__bench/pbkdf2') return pbkdf2(env)
    if (url.pathname.startsWith('/__bench/r2put/'))
      return env.UPLOADS.put(url.pathname.slice('/__bench/r2put/'.length), request.body).then(
        () => new Response('stored', { status: 201 }),
      )
    return new Response('hello')
  },
}
