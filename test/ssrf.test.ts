import { describe, expect, it } from 'vitest'
import { checkTarget } from '../src/lib/ssrf'

const reasonOf = (raw: string, allowHosts?: readonly string[]) => {
  const result = checkTarget(raw, { allowHosts })
  return result.ok ? undefined : result.reason
}

describe('workerd URL host normalisation (the guard re-parses anyway)', () => {
  it.each([
    'http://127.1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://0x7f.1/',
    'http://127.0.0.1./',
    'http://%31%32%37.0.0.1/',
    'http://１２７.０.０.１/',
  ])('turns %s into the hostname 127.0.0.1', (raw) => {
    expect(new URL(raw).hostname).toBe('127.0.0.1')
  })

  it('writes an embedded dotted IPv4 in IPv6 as hex groups', () => {
    expect(new URL('http://[::ffff:127.0.0.1]/').hostname).toBe('[::ffff:7f00:1]')
    expect(new URL('http://[0:0:0:0:0:ffff:7f00:1]/').hostname).toBe('[::ffff:7f00:1]')
  })

  it('keeps the trailing dot of a name but drops it from an IPv4 address', () => {
    expect(new URL('http://LOCALHOST./').hostname).toBe('localhost.')
    expect(new URL('http://localhost%2E/').hostname).toBe('localhost.')
  })
})

describe('refused targets', () => {
  it.each([
    // loopback in every IPv4 encoding
    'http://127.0.0.1/',
    'http://127.1/',
    'http://2130706433/',
    'http://0x7f000001/',
    'http://0177.0.0.1/',
    'http://127.0.0.1./',
    'http://%31%32%37.0.0.1/',
    'http://１２７.０.０.１/',
    'http://127.255.255.254:8080/',
    // loopback and unspecified IPv6, mapped and compatible forms
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[0:0:0:0:0:ffff:7f00:1]/',
    'http://[::127.0.0.1]/',
    'http://[::]/',
    // loopback names
    'http://localhost/',
    'http://LOCALHOST./',
    'http://localhost:8787/',
    'http://foo.localhost/',
    'http://ⓛocalhost/',
    // private, shared and special-purpose IPv4
    'http://10.0.0.1/',
    'http://172.16.5.4/',
    'http://172.31.255.255/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://100.100.100.200/',
    'http://0.0.0.0/',
    'http://0/',
    'http://192.0.0.8/',
    'http://192.0.2.1/',
    'http://192.88.99.1/',
    'http://198.18.0.1/',
    'http://198.51.100.7/',
    'http://203.0.113.9/',
    'http://224.0.0.1/',
    'http://240.0.0.1/',
    'http://255.255.255.255/',
    // link-local and cloud metadata
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://metadata.google.internal/',
    // IPv6 ranges and IPv4 hidden inside IPv6
    'http://[fc00::1]/',
    'http://[ff02::1]/',
    'http://[100::1]/',
    'http://[2001:db8::1]/',
    'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[64:ff9b::10.0.0.1]/',
    'http://[64:ff9b:1::808:808]/',
    'http://[2002:7f00:1::]/',
    'http://[2002:c0a8:101::1]/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://[4000::1]/',
    // internal names
    'http://intranet/',
    'http://printer.local/',
    'http://db.internal/',
    // schemes, credentials and ports
    'file:///etc/passwd',
    'gopher://example.com/',
    'ftp://example.com/',
    'ws://example.com/',
    'javascript:alert(1)',
    'data:text/plain,hi',
    'http://user:pass@example.com/',
    'http://user@example.com/',
    'http://:pass@example.com/',
    'http://example.com:22/',
    'http://example.com:25/',
    'http://example.com:0/',
    // not URLs at all
    'not a url',
    '',
    'http://[fe80::1%25eth0]/',
  ])('refuses %s', (raw) => {
    expect(reasonOf(raw)).toMatch(/\S/)
  })
})

describe('refusal reasons', () => {
  it.each([
    ['http://127.1/', /loopback/],
    ['http://localhost/', /loopback/],
    ['http://10.0.0.1/', /private/],
    ['http://[fd12:3456::1]/', /private/],
    ['http://169.254.169.254/latest/meta-data/', /metadata/],
    ['http://[fd00:ec2::254]/', /metadata/],
    ['http://metadata.google.internal/', /metadata/],
    ['http://[::ffff:127.0.0.1]/', /loopback.*IPv4-mapped/],
    ['http://[64:ff9b::a9fe:a9fe]/', /metadata.*NAT64/],
    ['http://[2002:7f00:1::]/', /loopback.*6to4/],
    ['http://[2001::1]/', /Teredo/],
    ['file:///etc/passwd', /only http and https/],
    ['http://example.com:22/', /port 22/],
    ['http://user:pass@example.com/', /credentials/],
    ['not a url', /not a valid URL/],
  ])('says why %s is refused (%s)', (raw, reason) => {
    expect(reasonOf(raw)).toMatch(reason)
  })
})

describe('accepted targets', () => {
  it.each([
    ['https://example.com/hook', 'https://example.com/hook'],
    ['http://example.com:8080/x', 'http://example.com:8080/x'],
    ['https://93.184.216.34/', 'https://93.184.216.34/'],
    ['https://[2606:4700:4700::1111]/', 'https://[2606:4700:4700::1111]/'],
    ['https://api.example.com:443/', 'https://api.example.com/'],
    ['http://example.com:443/', 'http://example.com:443/'],
    ['https://example.com:65535/', 'https://example.com:65535/'],
    ['https://example.com./', 'https://example.com./'],
    ['  HTTPS://Example.COM/Path?q=1  ', 'https://example.com/Path?q=1'],
    ['https://[::ffff:8.8.8.8]/', 'https://[::ffff:808:808]/'],
    ['https://[2002:808:808::1]/', 'https://[2002:808:808::1]/'],
  ])('accepts %s and returns it normalised', (raw, href) => {
    const result = checkTarget(raw)
    expect(result.ok && result.url.href).toBe(href)
  })
})

describe('development allowlist', () => {
  it('refuses 127.0.0.1 unless it is listed', () => {
    expect(checkTarget('http://127.0.0.1:8787/hook').ok).toBe(false)
    expect(checkTarget('http://127.0.0.1:8787/hook', { allowHosts: ['127.0.0.1'] }).ok).toBe(true)
  })

  it('matches listed names case-insensitively', () => {
    expect(checkTarget('http://localhost:8787/', { allowHosts: ['LocalHost'] }).ok).toBe(true)
  })

  it('opens only the exact host listed, not its neighbours', () => {
    expect(checkTarget('http://127.0.0.2/', { allowHosts: ['127.0.0.1'] }).ok).toBe(false)
    expect(checkTarget('http://[::1]/', { allowHosts: ['127.0.0.1'] }).ok).toBe(false)
  })

  it('still refuses other schemes, credentials and low ports on a listed host', () => {
    const allowHosts = ['localhost', '127.0.0.1', '']
    expect(reasonOf('file:///etc/passwd', allowHosts)).toMatch(/only http and https/)
    expect(reasonOf('file://localhost/etc/passwd', allowHosts)).toMatch(/only http and https/)
    expect(reasonOf('http://u:p@127.0.0.1/', allowHosts)).toMatch(/credentials/)
    expect(reasonOf('http://127.0.0.1:22/', allowHosts)).toMatch(/port 22/)
  })
})
