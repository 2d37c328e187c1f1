// Text modules (wrangler's default rule for *.txt), e.g. swagger-ui-dist/*.txt written by scripts/vendor-docs.mjs.
declare module '*.txt' {
  const text: string
  export default text
}
