import { defineConfig } from 'vitest/config'

// The browser tests (test/browser): Node, not workerd. They start the local stack of `npm run dev` and drive
// /dashboard in a headless Chromium (test/browser/dashboard.test.ts).
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
})
