import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../../errors/lead-call-error.js'
import { fewestAssigned } from './fewest-assigned.js'
import { stickyOwner } from './sticky-owner.js'
import { Simulation } from './strategy-harness.test-util.js'

const HOUR = 3_600_000

describe('stickyOwner', () => {
  it('asks the engine for the owner within the window', () => {
    expect(stickyOwner({ windowMs: HOUR }).ownerLookupMs).toBe(HOUR)
    expect(() => stickyOwner({ windowMs: 0 })).toThrow(LeadCallError)
  })

  it('offers the owner first, then the fallback order without the owner', () => {
    const s = new Simulation(stickyOwner({ windowMs: HOUR })).add('A', 'B', 'C')
    const returning = s.request({ owner: { agentId: 'B', at: s.clock - HOUR / 2 } })
    expect(s.order(returning)).toEqual(['B', 'A', 'C'])
    expect(s.decide(returning)).toBe('B')
    // Nothing persisted: the fallback rotation was not touched.
    expect(s.state).toBeUndefined()
    expect(s.run(3)).toEqual(['A', 'B', 'C'])
    expect(s.state).toEqual({ fallback: { last: s.view('C').orderKey } })
  })

  it('falls back when the owner is outside the window, not offerable or cannot take the lead', () => {
    const s = new Simulation(stickyOwner({ windowMs: HOUR })).add('A', 'B', 'C')
    expect(s.decide(s.request({ owner: { agentId: 'C', at: s.clock - 2 * HOUR } }))).toBe('A')
    s.setOfferable('C', false)
    expect(s.decide(s.request({ owner: { agentId: 'C', at: s.clock } }))).toBe('B')
    s.setOfferable('C', true)
    const busy = { filter: (view: { agent: { id: string } }) => view.agent.id !== 'C' }
    expect(s.decide(s.request({ owner: { agentId: 'C', at: s.clock } }), busy)).toBe('A')
    expect(s.state).toEqual({ fallback: { last: s.view('A').orderKey } })
  })

  it('keeps the fallback agent data under its own name', () => {
    const s = new Simulation(stickyOwner({ windowMs: HOUR, fallback: fewestAssigned() })).add('A', 'B')
    s.run(4)
    expect(s.view('A').state.strategy['sticky-owner']).toMatchObject({ count: 2 })
    const owner = s.request({ owner: { agentId: 'A', at: s.clock } })
    expect(s.decide(owner)).toBe('A')
    expect(s.view('A').state.strategy['sticky-owner']).toMatchObject({ count: 2 })
  })
})
