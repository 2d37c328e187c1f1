import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          ENVIRONMENT: 'test',
          LOG_LEVEL: 'error',
          // The template database's URL; each test file clones its own copy (test/setup.ts).
          DATABASE_URL: inject('databaseUrl'),
          DATABASE_WS_PROXY: inject('databaseWsProxy'),
          JWT_SECRET: 'test-secret-that-is-at-least-32-bytes-long!!',
          JWT_PREVIOUS_SECRETS: '',
          RATE_LIMIT_API: '100000/900',
          // Tests share one client IP; test/auth-rate-limits.test.ts puts the real defaults back.
          RATE_LIMIT_LOGIN_FAILURES: '100000/900',
          RATE_LIMIT_LOGIN_IP: '100000/900',
          RATE_LIMIT_REGISTER: '100000/900',
          RATE_LIMIT_VERIFY: '100000/900',
          RATE_LIMIT_RESEND: '100000/900',
          RATE_LIMIT_FORGOT: '100000/900',
          RATE_LIMIT_RESET: '100000/900',
          RATE_LIMIT_CHANGE_PASSWORD: '100000/900',
          UPSTASH_REDIS_REST_URL: '',
          UPSTASH_REDIS_REST_TOKEN: '',
          EMAIL_PROVIDER: 'log',
          // Stripe's API is mocked at fetch (test/payments.test.ts); these only have to look real.
          STRIPE_SECRET_KEY: 'sk_test_outpost',
          STRIPE_WEBHOOK_SECRET: 'whsec_test_outpost_webhook_secret',
          STRIPE_PRICE_PREMIUM: 'price_test_premium',
          STRIPE_PRICE_PRO: 'price_test_pro',
          METRICS_TOKEN: 'test-metrics-token-0123456789',
          TEST_UPSTASH_URL: inject('upstashUrl'),
          TEST_UPSTASH_TOKEN: inject('upstashToken'),
          TEST_ECHO_URL: inject('echoUrl'),
          // The fuzzer's knobs (test/fuzz-openapi.test.ts, docs/reliability.md), from the shell.
          FUZZ_SEED: process.env.FUZZ_SEED ?? '',
          FUZZ_INPUTS: process.env.FUZZ_INPUTS ?? '',
          FUZZ_ONLY: process.env.FUZZ_ONLY ?? '',
        },
      },
    })),
  ],
  test: {
    // test/browser runs in Node with a real Chromium (vitest.browser.config.ts), not in workerd.
    exclude: [...configDefaults.exclude, 'test/browser/**'],
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/setup.ts'],
    // Console output from inside workerd goes straight to workerd's stdout, not through vitest's RPC:
    // background work (waitUntil, queues) still logging when a file ended made vitest report
    // "EnvironmentTeardownError: Closing rpc while onUserConsoleLog was pending" and exit 1 with every test passing.
    disableConsoleIntercept: true,
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
})
