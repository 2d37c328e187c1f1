// The harness ceiling: the smallest possible Worker, served by the same Miniflare/workerd as the app.
export default {
  fetch() {
    return new Response('hello')
  },
}
