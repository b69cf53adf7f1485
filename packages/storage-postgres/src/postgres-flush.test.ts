import { describe, expect, it } from 'vitest'
import { createFlusher } from './postgres-flush.js'

/** Flushes the test ends by hand. */
function manualFlushes() {
  const started: { finish: () => void; fail: (error: Error) => void }[] = []
  const flush = () =>
    new Promise<void>((resolve, reject) => {
      started.push({ finish: resolve, fail: reject })
    })
  return { started, flush }
}

/** The end of the current turn of the event loop (when a scheduled flush is sent). */
const turn = () => new Promise((resolve) => setImmediate(resolve))

describe('group flush', () => {
  it('serves the waiters of a turn with one flush, and those that come while it runs with the next', async () => {
    const { started, flush } = manualFlushes()
    const flusher = createFlusher(flush)
    const done: string[] = []
    const first = flusher.wait().then(() => done.push('first'))
    const alsoFirst = flusher.wait().then(() => done.push('also first'))
    await turn()
    expect(started).toHaveLength(1)
    // Registered while the first flush runs: it may have been sent before these commits completed,
    // so they wait for the next one, sent when the first one ends.
    const second = flusher.wait().then(() => done.push('second'))
    const third = flusher.wait().then(() => done.push('third'))
    await turn()
    expect(started).toHaveLength(1)
    started[0]!.finish()
    await Promise.all([first, alsoFirst])
    await turn()
    expect(done).toEqual(['first', 'also first'])
    expect(started).toHaveLength(2)
    started[1]!.finish()
    await Promise.all([second, third])
    expect(done).toEqual(['first', 'also first', 'second', 'third'])
    // Idle again: the next waiter gets a flush of its own.
    const fourth = flusher.wait()
    await turn()
    expect(started).toHaveLength(3)
    started[2]!.finish()
    await fourth
  })

  it('is idle once every flush asked for is done', async () => {
    const { started, flush } = manualFlushes()
    const flusher = createFlusher(flush)
    await flusher.idle()
    const waited = flusher.wait()
    let idle = false
    const becameIdle = flusher.idle().then(() => {
      idle = true
    })
    await turn()
    expect(idle).toBe(false)
    started[0]!.finish()
    await Promise.all([waited, becameIdle])
    expect(idle).toBe(true)
  })

  it('rejects the waiters of a failed flush, saying the commit was applied, and goes on', async () => {
    const { started, flush } = manualFlushes()
    const flusher = createFlusher(flush)
    const failed = flusher.wait()
    await turn()
    const next = flusher.wait()
    started[0]!.fail(new Error('connection lost'))
    await expect(failed).rejects.toThrow(/applied.*durability is unknown/)
    await turn()
    started[1]!.finish()
    await expect(next).resolves.toBeUndefined()
  })
})
