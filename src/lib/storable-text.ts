/**
 * A NUL byte cannot be stored in Postgres text or jsonb, and a lone UTF-16 surrogate is not
 * Unicode at all (it cannot be encoded as UTF-8 on the way to the database or back to a client).
 */
const UNSTORABLE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

export const UNSTORABLE_REASON = 'must not contain a NUL character or an unpaired UTF-16 surrogate'

const isPlain = (v: object) => [Object.prototype, null].includes(Object.getPrototypeOf(v))

export const isStorableText = (text: string) => !UNSTORABLE.test(text)

/**
 * Every string (value or object key) in validated input that Postgres or UTF-8 cannot hold, as
 * `{ "json.field": reason }`; undefined when there is none. Walks without recursion, so a deeply
 * nested body that a schema let through cannot overflow the stack.
 */
export function unstorableFields(value: unknown, target?: string) {
  let details: Record<string, string> | undefined
  const flag = (path: string[]) => {
    details ??= {}
    details[[target, ...path].filter(Boolean).join('.') || target || 'input'] = UNSTORABLE_REASON
  }
  const stack: { value: unknown; path: string[] }[] = [{ value, path: [] }]
  while (stack.length) {
    const { value: v, path } = stack.pop()!
    if (typeof v === 'string') {
      if (!isStorableText(v)) flag(path)
    } else if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) stack.push({ value: item, path: [...path, String(i)] })
    } else if (v !== null && typeof v === 'object' && isPlain(v)) {
      for (const [key, item] of Object.entries(v)) {
        if (!isStorableText(key)) flag([...path, '<key>'])
        stack.push({ value: item, path: [...path, key] })
      }
    }
  }
  return details
}
