// Bindings that exist only under vitest (see vitest.config.ts): the local Upstash REST server,
// the local HTTP target for cron jobs, and the fuzzer's knobs. Both Env interfaces get them:
// `wrangler types` no longer derives the global Env (used by the Durable Objects) from Cloudflare.Env.
interface TestBindings {
  TEST_UPSTASH_URL: string
  TEST_UPSTASH_TOKEN: string
  TEST_ECHO_URL: string
  FUZZ_SEED: string
  FUZZ_INPUTS: string
  FUZZ_ONLY: string
}
declare namespace Cloudflare {
  interface Env extends TestBindings {}
}
interface Env extends TestBindings {}
