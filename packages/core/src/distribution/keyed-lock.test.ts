import { describe, expect, it } from 'vitest'
import { createKeyedLock } from './keyed-lock.js'

const tick = () => new Promise((resolve) => setTimeout(resolve, 1))

describe('keyed lock', () => {
  it('runs work of one key one at a time, in call order, and keys independently', async () => {
    const lock = createKeyedLock()
    const log: string[] = []
    let inside = 0
    const job = (key: string, name: string) =>
      lock.run(key, async () => {
        inside++
        expect(inside).toBeLessThanOrEqual(2) // at most one per key, two keys
        log.push(`start ${name}`)
        await tick()
        log.push(`end ${name}`)
        inside--
        return name
      })
    const results = await Promise.all([job('a', 'a1'), job('a', 'a2'), job('b', 'b1'), job('a', 'a3')])
    expect(results).toEqual(['a1', 'a2', 'b1', 'a3'])
    const a = log.filter((l) => l.includes(' a'))
    expect(a).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3'])
  })

  it('goes on after a failure, sync or async', async () => {
    const lock = createKeyedLock()
    const failing = lock.run('k', async () => {
      throw new Error('async boom')
    })
    const throwing = lock.run('k', () => {
      throw new Error('sync boom')
    })
    await expect(failing).rejects.toThrow('async boom')
    await expect(throwing).rejects.toThrow('sync boom')
    await expect(lock.run('k', async () => 42)).resolves.toBe(42)
  })

  it('tells whether a key is held, by running or waiting work, until all of it ends', async () => {
    const lock = createKeyedLock()
    expect(lock.isHeld('k')).toBe(false)
    let open!: () => void
    const first = lock.run('k', () => new Promise<void>((resolve) => (open = resolve)))
    const second = lock.run('k', async () => undefined)
    expect(lock.isHeld('k')).toBe(true)
    expect(lock.isHeld('other')).toBe(false)
    open()
    await first
    await second
    expect(lock.isHeld('k')).toBe(false)
  })
})
