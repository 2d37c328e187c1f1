// Bindings that exist only under vitest (see vitest.config.ts): the local Upstash REST server
// and the local HTTP target for cron jobs.
declare namespace Cloudflare {
  interface Env {
    TEST_UPSTASH_URL: string
    TEST_UPSTASH_TOKEN: string
    TEST_ECHO_URL: string
  }
}
