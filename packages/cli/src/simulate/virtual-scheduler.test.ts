import { describe, expect, it } from 'vitest'
import { createVirtualScheduler } from './virtual-scheduler.js'

describe('virtual scheduler', () => {
  it('runs tasks in time order, same-time tasks in the order added, with the clock at their time', async () => {
    const scheduler = createVirtualScheduler(1_000)
    const seen: string[] = []
    const note = (name: string) => () => seen.push(`${name}@${scheduler.now()}`)
    scheduler.at(5_000, note('c'))
    scheduler.at(2_000, note('a'))
    scheduler.at(5_000, note('d'))
    scheduler.after(1_500, note('b'))
    expect(scheduler.pending).toBe(4)
    await scheduler.run()
    expect(seen).toEqual(['a@2000', 'b@2500', 'c@5000', 'd@5000'])
    expect(scheduler.now()).toBe(5_000)
    expect(scheduler.pending).toBe(0)
  })

  it('never moves the clock back: a task due in the past runs at the current time', async () => {
    const scheduler = createVirtualScheduler(10_000)
    const times: number[] = []
    scheduler.at(20_000, () => scheduler.at(15_000, () => times.push(scheduler.now())))
    await scheduler.run()
    expect(times).toEqual([20_000])
  })

  it('lets the promise work a task started finish before the clock moves on', async () => {
    const scheduler = createVirtualScheduler(0)
    const log: string[] = []
    scheduler.at(10, () => {
      void (async () => {
        for (let i = 0; i < 50; i++) await Promise.resolve()
        log.push(`work done at ${scheduler.now()}`)
      })()
    })
    scheduler.at(20, () => log.push('next task at 20'))
    await scheduler.run()
    expect(log).toEqual(['work done at 10', 'next task at 20'])
  })

  it('runs tasks added while running, and jumps over idle time at once', async () => {
    const scheduler = createVirtualScheduler(0)
    let ticks = 0
    const tick = () => {
      ticks++
      if (ticks < 1_000) scheduler.after(60_000, tick)
    }
    scheduler.at(0, tick)
    const started = Date.now()
    await scheduler.run()
    expect(ticks).toBe(1_000)
    expect(scheduler.now()).toBe(999 * 60_000)
    // 1,000 minutes of virtual time, not of real time.
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('stops when done() says so, leaving the rest', async () => {
    const scheduler = createVirtualScheduler(0)
    let ran = 0
    for (let i = 1; i <= 10; i++) scheduler.at(i, () => ran++)
    await scheduler.run({ done: () => ran >= 3 })
    expect(ran).toBe(3)
    expect(scheduler.pending).toBe(7)
  })

  it('fails rather than run past the deadline', async () => {
    const scheduler = createVirtualScheduler(0)
    scheduler.at(100, () => {})
    scheduler.at(5_000, () => {})
    await expect(scheduler.run({ deadline: 1_000 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    expect(scheduler.now()).toBe(100)
  })
})
