// Bindings that exist only under vitest (see vitest.config.ts): the local Upstash REST server.
declare namespace Cloudflare {
  interface Env {
    TEST_UPSTASH_URL: string
    TEST_UPSTASH_TOKEN: string
  }
}
