/** A tiny element builder: no framework, just `h('button', { onclick }, 'Resolve')`. */
type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, unknown>

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value as EventListener)
    else if (key === 'class') el.className = String(value)
    else if (value === true) el.setAttribute(key, '')
    else el.setAttribute(key, String(value))
  }
  append(el, children)
  return el
}

/**
 * The DOM's ParentNode methods, typed by hand: @cloudflare/workers-types (which the client's route types bring in)
 * declares an HTMLRewriter `Element` whose `append`/`prepend` shadow the DOM's in the merged interface.
 */
type Parent = {
  append(...nodes: (Node | string)[]): void
  prepend(...nodes: (Node | string)[]): void
  replaceChildren(...nodes: (Node | string)[]): void
}
const parent = (el: Node) => el as unknown as Parent

export function append(el: Node, children: (Child | Child[])[]) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue
    parent(el).append(child instanceof Node ? child : String(child))
  }
}

/** A `<section>` labelled by its `<h2>` (id `<id>-title`), then its content. */
export const titled = (id: string, title: string, ...children: (Child | Child[])[]) =>
  h('section', { 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...children)

/** Inserts a node as the element's first child. */
export const prepend = (el: Node, child: Node) => parent(el).prepend(child)

/** Replaces an element's children. */
export function fill(el: Node, ...children: (Child | Child[])[]) {
  parent(el).replaceChildren()
  append(el, children)
}

const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' })
/** A date (ISO string or Date) for people; an em dash for none. */
export const when = (at: string | Date | null | undefined) => (at ? time.format(new Date(at)) : '—')

/** °C with one decimal; an em dash for none. */
export const celsius = (t: number | null | undefined) => (typeof t === 'number' ? `${t.toFixed(1)} °C` : '—')
