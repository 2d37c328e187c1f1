import { DEMO_USERS } from '../../../scripts/demo-users'
import { fill, h } from '../dom'
import { errorText, signIn } from '../session'

/** The sign-in form; in development (GET / says so) it lists the seeded demo accounts, one click each. */
export function signInView(main: HTMLElement, done: () => void) {
  const email = h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true })
  const password = h('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  })
  const error = h('p', { class: 'error', role: 'alert' })
  const submit = h('button', { type: 'submit' }, 'Sign in')
  const demo = h('section', { 'aria-labelledby': 'demo-title', class: 'demo', hidden: true })

  const form = h(
    'form',
    {
      class: 'card signin',
      onsubmit: async (e: Event) => {
        e.preventDefault()
        submit.disabled = true
        error.textContent = ''
        try {
          await signIn(email.value, password.value)
          done()
        } catch (err) {
          error.textContent = errorText(err)
          submit.disabled = false
        }
      },
    },
    h('h1', {}, 'Sign in'),
    h('label', { for: 'email' }, 'Email'),
    email,
    h('label', { for: 'password' }, 'Password'),
    password,
    error,
    submit,
  )
  fill(main, form, demo)
  email.focus()

  void fetch('/', { headers: { accept: 'application/json' } })
    .then((res) => res.json() as Promise<{ data?: { environment?: string } }>)
    .then((body) => {
      if (body.data?.environment !== 'development') return
      demo.hidden = false
      fill(
        demo,
        h('h2', { id: 'demo-title' }, 'Demo accounts (development only)'),
        h(
          'ul',
          {},
          DEMO_USERS.map((u) =>
            h(
              'li',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'link',
                  onclick: () => {
                    email.value = u.email
                    password.value = u.password
                    form.requestSubmit()
                  },
                },
                `${u.role}: ${u.email}`,
              ),
            ),
          ),
        ),
      )
    })
    .catch(() => undefined)
  return undefined
}
