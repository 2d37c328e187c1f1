/**
 * SSRF guard for cron targets (DESIGN.md §7). Workers cannot resolve DNS before `fetch`, so this
 * judges only what the URL itself says: scheme, credentials, port, hostname, and IP literals in
 * every encoding. A public name that resolves to a private address (DNS rebinding, `*.nip.io`) is
 * out of its reach; `redirect: 'manual'` at the call site keeps a public target from bouncing
 * the request somewhere else.
 */

export type TargetCheck = { ok: true; url: URL } | { ok: false; reason: string }

const LOOPBACK = 'loopback address'
const PRIVATE = 'private address'
const LINK_LOCAL = 'link-local / cloud metadata address'
const DOCUMENTATION = 'documentation address'
const RESERVED = 'reserved address'

// First match wins, so a narrow entry sits above the wider one it would otherwise fall into.
const V4_RANGES = compile([
  ['0.0.0.0/8', 'unspecified / this-network address'],
  ['10.0.0.0/8', PRIVATE],
  // Includes 100.100.100.200, Alibaba Cloud's metadata service.
  ['100.64.0.0/10', 'shared (CGNAT) address'],
  ['127.0.0.0/8', LOOPBACK],
  ['169.254.0.0/16', LINK_LOCAL],
  ['172.16.0.0/12', PRIVATE],
  ['192.0.0.0/24', 'IETF protocol address'],
  ['192.0.2.0/24', DOCUMENTATION],
  ['192.88.99.0/24', '6to4 relay address'],
  ['192.168.0.0/16', PRIVATE],
  ['198.18.0.0/15', 'benchmarking address'],
  ['198.51.100.0/24', DOCUMENTATION],
  ['203.0.113.0/24', DOCUMENTATION],
  ['224.0.0.0/4', 'multicast address'],
  ['255.255.255.255/32', 'broadcast address'],
  ['240.0.0.0/4', RESERVED],
])

const V6_RANGES = compile([
  ['::/128', 'unspecified address'],
  ['::1/128', LOOPBACK],
  ['fd00:ec2::254/128', LINK_LOCAL],
  ['fe80::/10', LINK_LOCAL],
  ['fec0::/10', 'site-local address'],
  ['fc00::/7', PRIVATE],
  ['ff00::/8', 'multicast address'],
  ['100::/64', 'discard address'],
  ['2001:db8::/32', DOCUMENTATION],
  // Teredo hides the client's IPv4 behind an XOR, so there is nothing sound to check: refuse it.
  ['2001::/32', 'Teredo address'],
  // Local-use NAT64 (RFC 8215): where the IPv4 sits depends on the operator's prefix length.
  ['64:ff9b:1::/48', 'local-use NAT64 address'],
])

/** IPv6 forms that carry an IPv4 address (`at` bits from the right), judged by the IPv4 table. */
const EMBEDS_V4 = [
  { ...range('::ffff:0:0/96', 'IPv4-mapped'), at: 0n },
  { ...range('::/96', 'IPv4-compatible'), at: 0n },
  { ...range('64:ff9b::/96', 'NAT64'), at: 0n },
  { ...range('2002::/16', '6to4'), at: 80n },
]

// All of global unicast lives here; outside it, bar the embeddings above, nothing is routable.
const GLOBAL_UNICAST = range('2000::/3', 'global unicast')

/**
 * Checks a cron target before it is stored and again right before each `fetch`. Pure and
 * synchronous: no DNS. Allowed: `http`/`https`, no credentials, the default port, 80, 443 or
 * 1024–65535, and a public hostname or IP. `allowHosts` (development only) lists hostnames, as
 * `URL.hostname` spells them (`127.0.0.1`, `localhost`, `[::1]`), that skip the address checks;
 * scheme, credential and port rules still apply to them.
 */
export function checkTarget(raw: string, opts: { allowHosts?: readonly string[] } = {}): TargetCheck {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return refuse('not a valid URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refuse('only http and https are allowed')
  if (url.username || url.password) return refuse('credentials in the URL are not allowed')
  // URL drops the scheme's own default port, but `http://host:443` keeps its 443.
  const port = Number(url.port)
  if (url.port && port !== 80 && port !== 443 && port < 1024) return refuse(`port ${port} is not allowed`)

  if (opts.allowHosts?.some((h) => h.toLowerCase() === url.hostname)) return { ok: true, url }
  const reason = hostReason(url.hostname)
  return reason ? refuse(reason) : { ok: true, url }
}

function refuse(reason: string): TargetCheck {
  return { ok: false, reason }
}

function hostReason(host: string): string | undefined {
  if (host.startsWith('[') && host.endsWith(']')) {
    const v6 = parseIPv6(host.slice(1, -1))
    return v6 === undefined ? 'not a valid IPv6 address' : v6Reason(v6)
  }
  // `localhost.` is the same name as `localhost` to a resolver.
  const name = host.replace(/\.+$/, '')
  // URL already turns 127.1, 0x7f000001 and 2130706433 into 127.0.0.1; parsing again here means
  // the verdict never depends on the hostname merely looking like a dotted quad.
  const v4 = parseIPv4(name)
  if (v4 !== undefined) return lookup(V4_RANGES, v4)
  // WHATWG rejects these too; refusing here keeps the guard sound without relying on that.
  if (/(^|\.)(\d+|0x[0-9a-f]*)$/i.test(name)) return 'not a valid IPv4 address'
  if (name === 'metadata.google.internal') return LINK_LOCAL
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback hostname'
  if (/\.(local|internal)$/.test(name)) return 'internal hostname'
  // A single label resolves through the search domain, i.e. into the network we run in.
  if (!name.includes('.')) return 'single-label hostname'
  return undefined
}

function v6Reason(addr: bigint): string | undefined {
  const direct = lookup(V6_RANGES, addr)
  if (direct) return direct
  const embed = EMBEDS_V4.find((r) => contains(r, addr))
  if (embed) {
    const v4 = lookup(V4_RANGES, (addr >> embed.at) & 0xffff_ffffn)
    return v4 && `${v4} (${embed.reason})`
  }
  return contains(GLOBAL_UNICAST, addr) ? undefined : RESERVED
}

type Range = { base: bigint; shift: bigint; reason: string }

function range(cidr: string, reason: string): Range {
  const [ip = '', len = ''] = cidr.split('/')
  const v6 = ip.includes(':')
  const base = v6 ? parseIPv6(ip) : parseIPv4(ip)
  if (base === undefined) throw new Error(`bad CIDR ${cidr}`)
  return { base, shift: BigInt((v6 ? 128 : 32) - Number(len)), reason }
}

function compile(table: [cidr: string, reason: string][]) {
  return table.map(([cidr, reason]) => range(cidr, reason))
}

const contains = (r: Range, addr: bigint) => addr >> r.shift === r.base >> r.shift

const lookup = (ranges: Range[], addr: bigint) => ranges.find((r) => contains(r, addr))?.reason

/**
 * The WHATWG IPv4 host forms: one to four parts, each decimal, octal (leading 0) or hex (0x),
 * the last part filling the remaining bytes. `undefined` when `s` is not an IPv4 address.
 */
function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.')
  if (parts.length > 4) return undefined
  let value = 0n
  for (const [i, part] of parts.entries()) {
    const n = ipv4Number(part)
    const last = i === parts.length - 1
    const limit = last ? 256n ** BigInt(5 - parts.length) : 256n
    if (n === undefined || n >= limit) return undefined
    value = last ? value * limit + n : value * 256n + n
  }
  return value
}

function ipv4Number(part: string): bigint | undefined {
  if (/^0x[0-9a-f]*$/i.test(part)) return BigInt(part.length === 2 ? 0 : part)
  if (/^0[0-7]+$/.test(part)) return BigInt(`0o${part.slice(1)}`)
  if (/^(0|[1-9][0-9]*)$/.test(part)) return BigInt(part)
  return undefined
}

/** A full IPv6 address with `::` compression and an optional dotted IPv4 tail, as 128 bits. */
function parseIPv6(s: string): bigint | undefined {
  let text = s
  const tail = s.slice(s.lastIndexOf(':') + 1)
  if (tail.includes('.')) {
    // Only a plain dotted quad may end an IPv6 address; no octal, hex or short forms.
    if (!/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(tail)) return undefined
    const v4 = Number(parseIPv4(tail))
    text = `${s.slice(0, -tail.length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const [head = [], rest = []] = halves.map((h) => (h === '' ? [] : h.split(':')))
  const missing = 8 - head.length - rest.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  let value = 0n
  for (const group of [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest]) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return undefined
    value = (value << 16n) | BigInt(`0x${group}`)
  }
  return value
}
