type Waiting<T, R> = { item: T; resolve: (r: R) => void; reject: (err: unknown) => void }

/**
 * Group commit: items submitted while the previous batch is being made durable are applied
 * together and answered after one `commit()`, so a burst costs one storage transaction instead of
 * one per item. `apply` is synchronous and runs in submission order; each caller is answered once
 * its item is durable (or with the error of its `apply`, or of the commit).
 */
export class GroupCommit<T, R> {
  private queued: Waiting<T, R>[] = []
  private flushing = false

  constructor(
    private readonly apply: (item: T) => R,
    private readonly commit: () => Promise<void>,
  ) {}

  submit(item: T) {
    return this.submitAll([item]).then((r) => r[0]!)
  }

  /** Submits `items` in order, in one group: they are applied together and made durable by one commit. */
  submitAll(items: T[]) {
    const answers = items.map(
      (item) => new Promise<R>((resolve, reject) => this.queued.push({ item, resolve, reject })),
    )
    if (!this.flushing) void this.flush()
    return Promise.all(answers)
  }

  private async flush() {
    this.flushing = true
    while (this.queued.length) {
      const batch = this.queued.splice(0)
      const results = batch.map(({ item }): { ok: R } | { err: unknown } => {
        try {
          return { ok: this.apply(item) }
        } catch (err) {
          return { err }
        }
      })
      const failed = await this.commit().then(
        () => null,
        (err: unknown) => ({ err }),
      )
      batch.forEach((w, i) => {
        const r = failed ?? results[i]!
        if ('err' in r) w.reject(r.err)
        else w.resolve(r.ok)
      })
    }
    this.flushing = false
  }
}
