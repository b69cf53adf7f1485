import { describe, expect, it } from 'vitest'
import { createGate, gateOf } from './postgres-gate.js'

describe('connection gate', () => {
  it('hands out at most its size of turns, urgent and normal callers taking turns', async () => {
    const gate = createGate(1)
    const order: string[] = []
    await gate.acquire(false, undefined)
    const waiting = [
      gate.acquire(false, undefined).then(() => order.push('n1')),
      gate.acquire(false, undefined).then(() => order.push('n2')),
      gate.acquire(true, undefined).then(() => order.push('u1')),
      gate.acquire(true, undefined).then(() => order.push('u2')),
      gate.acquire(true, undefined).then(() => order.push('u3')),
    ]
    for (let i = 0; i < waiting.length; i++) {
      gate.release()
      await Promise.resolve()
      await Promise.resolve()
    }
    await Promise.all(waiting)
    expect(order).toEqual(['u1', 'n1', 'u2', 'n2', 'u3'])
  })

  it('drops a caller whose signal aborts while it waits', async () => {
    const gate = createGate(1)
    await gate.acquire(false, undefined)
    const controller = new AbortController()
    const aborted = gate.acquire(true, controller.signal)
    const next = gate.acquire(false, undefined)
    controller.abort(new Error('gone'))
    await expect(aborted).rejects.toThrow('gone')
    gate.release()
    await next
    gate.release()
    // The turn is free again: the aborted caller did not keep it.
    await gate.acquire(false, AbortSignal.timeout(1000))
    await expect(gate.acquire(false, AbortSignal.abort(new Error('already')))).rejects.toThrow('already')
  })

  it('is shared per pool', () => {
    const pool = {}
    expect(gateOf(pool, 3)).toBe(gateOf(pool, 5))
    expect(gateOf({}, 3)).not.toBe(gateOf(pool, 3))
  })
})
