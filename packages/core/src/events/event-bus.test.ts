import { describe, expect, it, vi } from 'vitest'
import { createEventBus } from './event-bus.js'

const status = { agentId: 'a', status: 'available', previous: null, source: 'api', at: 'x' } as const

describe('event bus', () => {
  it('delivers typed payloads to on/once listeners and unsubscribes', () => {
    const bus = createEventBus()
    const on = vi.fn()
    const once = vi.fn()
    const off = bus.on('agent.status', on)
    bus.once('agent.status', once)
    bus.emit('agent.status', status)
    bus.emit('agent.status', status)
    expect(on).toHaveBeenCalledTimes(2)
    expect(on).toHaveBeenCalledWith(status)
    expect(once).toHaveBeenCalledTimes(1)
    off()
    bus.emit('agent.status', status)
    expect(on).toHaveBeenCalledTimes(2)
    expect(bus.listenerCount('agent.status')).toBe(0)
  })

  it('off removes a listener by reference, including a once listener not yet fired', () => {
    const bus = createEventBus()
    const fn = vi.fn()
    bus.once('agent.status', fn)
    bus.off('agent.status', fn)
    bus.emit('agent.status', status)
    expect(fn).not.toHaveBeenCalled()
  })

  it('a throwing listener neither stops the others nor the emitter, and is reported', () => {
    const reported = vi.fn()
    const bus = createEventBus(reported)
    const onError = vi.fn()
    bus.on('listener.error', onError)
    const after = vi.fn()
    bus.on('agent.status', () => {
      throw new Error('boom')
    })
    bus.on('agent.status', after)
    expect(() => bus.emit('agent.status', status)).not.toThrow()
    expect(after).toHaveBeenCalledOnce()
    expect(reported).toHaveBeenCalledWith('agent.status', expect.any(Error))
    expect(onError).toHaveBeenCalledWith({ event: 'agent.status', error: expect.any(Error) })
  })

  it('clear drops every listener', () => {
    const bus = createEventBus()
    const fn = vi.fn()
    bus.on('lead.received', fn)
    bus.clear()
    bus.emit('lead.received', { processId: 'p', leadId: 'l', source: 's', priority: 'normal', at: 'x' })
    expect(fn).not.toHaveBeenCalled()
  })
})
