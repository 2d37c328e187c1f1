// The one Node API the Worker uses (`nodejs_compat` provides it), typed here because @types/node
// would bring all of Node's globals into Worker code.
declare module 'node:async_hooks' {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined
    run<R>(store: T, fn: () => R): R
  }
}
