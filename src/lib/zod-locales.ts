/**
 * What zod's `locales` namespace holds in the Worker: English only. `z` is passed whole to
 * zod-to-openapi, so the bundler keeps every export of zod, and its 40-odd locales were ~38 KiB of the
 * Worker's gzip. wrangler.toml's [alias] points zod's own `../locales/index.js` imports here.
 */
export { default as en } from 'zod/v4/locales/en.js'
