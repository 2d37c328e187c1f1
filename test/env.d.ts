// Bindings that exist only under vitest (see vitest.config.ts): the local Upstash REST server
// and the local HTTP target for cron jobs. Both Env interfaces get them: `wrangler types` no longer
// derives the global Env (used by the Durable Objects) from Cloudflare.Env.
interface TestBindings {
  TEST_UPSTASH_URL: string
  TEST_UPSTASH_TOKEN: string
  TEST_ECHO_URL: string
}
declare namespace Cloudflare {
  interface Env extends TestBindings {}
}
interface Env extends TestBindings {}
