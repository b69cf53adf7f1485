import { describe, expect, it } from 'vitest'
import { createGate, gateOf } from './postgres-gate.js'

describe('connection gate', () => {
  it('hands out at most its size of turns, urgent and normal callers taking turns', async () => {
    const gate = createGate(1)
    const order: string[] = []
    await gate.acquire('other', undefined)
    const waiting = [
      gate.acquire('other', undefined).then(() => order.push('n1')),
      gate.acquire('other', undefined).then(() => order.push('n2')),
      gate.acquire('commit', undefined).then(() => order.push('u1')),
      gate.acquire('commit', undefined).then(() => order.push('u2')),
      gate.acquire('commit', undefined).then(() => order.push('u3')),
    ]
    for (let i = 0; i < waiting.length; i++) {
      gate.release()
      await Promise.resolve()
      await Promise.resolve()
    }
    await Promise.all(waiting)
    expect(order).toEqual(['u1', 'n1', 'u2', 'n2', 'u3'])
  })

  it('serves the flush before every other caller', async () => {
    const gate = createGate(1)
    const order: string[] = []
    await gate.acquire('other', undefined)
    const waiting = [
      gate.acquire('other', undefined).then(() => order.push('n1')),
      gate.acquire('commit', undefined).then(() => order.push('u1')),
      gate.acquire('flush', undefined).then(() => order.push('f1')),
    ]
    for (let i = 0; i < waiting.length; i++) {
      gate.release()
      await Promise.resolve()
      await Promise.resolve()
    }
    await Promise.all(waiting)
    expect(order).toEqual(['f1', 'u1', 'n1'])
  })

  it('drops a caller whose signal aborts while it waits', async () => {
    const gate = createGate(1)
    await gate.acquire('other', undefined)
    const controller = new AbortController()
    const aborted = gate.acquire('commit', controller.signal)
    const next = gate.acquire('other', undefined)
    controller.abort(new Error('gone'))
    await expect(aborted).rejects.toThrow('gone')
    gate.release()
    await next
    gate.release()
    // The turn is free again: the aborted caller did not keep it.
    await gate.acquire('other', AbortSignal.timeout(1000))
    await expect(gate.acquire('other', AbortSignal.abort(new Error('already')))).rejects.toThrow('already')
  })

  it('is shared per pool', () => {
    const pool = {}
    expect(gateOf(pool, 3)).toBe(gateOf(pool, 5))
    expect(gateOf({}, 3)).not.toBe(gateOf(pool, 3))
  })
})
