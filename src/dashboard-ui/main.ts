/**
 * The dashboard page (served as static assets at /dashboard, built by scripts/build-dashboard.mjs): sign-in,
 * cold chain, cron and operations views over the typed client, with live updates from channel sockets.
 * Routes are hash fragments (#/coldchain, #/cells/<id>, #/cron, #/ops), so one static HTML file serves them all.
 */
import { fill, h } from './dom'
import { onConnectionState } from './live'
import { currentUser, hasRole, onSignedOut, signOut } from './session'
import { cellView } from './views/cell'
import { coldChainView } from './views/coldchain'
import { cronView } from './views/cron'
import { opsView } from './views/ops'
import { signInView } from './views/signin'

/** A view renders into `main` and returns what to undo when the page leaves it (sockets, timers). */
export type View = (main: HTMLElement, param?: string) => (() => void) | undefined

const main = document.getElementById('main') as HTMLElement
const nav = document.getElementById('nav') as HTMLElement
const status = document.getElementById('connection') as HTMLElement
let leave: (() => void) | undefined

const COLD_CHAIN_ROLES = ['technician', 'customer', 'admin']

/** The views this user may open, in menu order. */
function views() {
  return [
    hasRole(...COLD_CHAIN_ROLES) && { path: 'coldchain', label: 'Cold chain' },
    { path: 'cron', label: 'Cron' },
    hasRole('admin') && { path: 'ops', label: 'Operations' },
  ].filter((v): v is { path: string; label: string } => !!v)
}

function renderNav(active: string) {
  const user = currentUser()
  if (!user) return fill(nav)
  fill(
    nav,
    h(
      'ul',
      {},
      views().map((v) =>
        h('li', {}, h('a', { href: `#/${v.path}`, 'aria-current': active === v.path ? 'page' : undefined }, v.label)),
      ),
    ),
    h('span', { class: 'who' }, `${user.name} (${user.roles.join(', ')})`),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        // The session's end (onSignedOut below) takes the page back to the sign-in form.
        onclick: () => void signOut(),
      },
      'Sign out',
    ),
  )
}

export function route() {
  leave?.()
  leave = undefined
  const [, path = '', param] = location.hash.match(/^#\/([^/]*)\/?(.*)$/) ?? []
  if (!currentUser()) {
    renderNav('')
    leave = signInView(main, () => {
      location.hash = `#/${views()[0]?.path ?? 'cron'}`
      route()
    })
    return
  }
  const allowed = views().map((v) => v.path)
  const target = path === 'cells' && param && allowed.includes('coldchain') ? 'cells' : path
  if (target !== 'cells' && !allowed.includes(target)) {
    location.replace(`#/${allowed[0]}`)
    return route()
  }
  renderNav(target === 'cells' ? 'coldchain' : target)
  const view: View = { coldchain: coldChainView, cells: cellView, cron: cronView, ops: opsView }[target] ?? cronView
  main.focus({ preventScroll: true })
  leave = view(main, param ? decodeURIComponent(param) : undefined)
}

onConnectionState((state) => {
  status.dataset.state = state
  status.textContent = {
    idle: '',
    connecting: 'Connecting…',
    open: 'Live',
    reconnecting: 'Reconnecting…',
    closed: 'Disconnected',
  }[state]
})
onSignedOut(() => {
  location.hash = '#/signin'
  route()
})
// The skip link's #main is not a view: it only moves the focus.
window.addEventListener('hashchange', () => (location.hash === '#main' ? main.focus() : route()))
route()
