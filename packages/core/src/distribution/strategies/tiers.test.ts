import { describe, expect, it } from 'vitest'
import { fewestAssigned } from './fewest-assigned.js'
import { stickyOwner } from './sticky-owner.js'
import { Simulation } from './strategy-harness.test-util.js'
import { tiers } from './tiers.js'
import { weightedRoundRobin } from './weighted-round-robin.js'

const team = () =>
  new Simulation(tiers()).add(
    { id: 'T2a', tier: 2 }, // registered first, but tier 2
    { id: 'A', tier: 1 },
    { id: 'B', tier: 1 },
    { id: 'T2b', tier: 2 },
    { id: 'T3', tier: 3 },
  )

describe('tiers', () => {
  it('offers every tier-1 agent before any tier-2 agent, round robin within a tier', () => {
    const s = team()
    expect(s.order()).toEqual(['A', 'B', 'T2a', 'T2b', 'T3'])
    expect(s.run(5)).toEqual(['A', 'B', 'A', 'B', 'A'])
  })

  it('overflows to tier 2 only when no tier-1 agent can take the lead', () => {
    const s = team()
    const tier1Busy = (view: { agent: { tier: number } }) => view.agent.tier !== 1
    expect(s.decide()).toBe('A')
    expect(s.run(3, { filter: tier1Busy })).toEqual(['T2a', 'T2b', 'T2a'])
    // Tier 1 free again: its own rotation continues after A; tier 2's is kept for later.
    expect(s.run(2)).toEqual(['B', 'A'])
    expect(s.run(1, { filter: tier1Busy })).toEqual(['T2b'])
    expect(s.run(1, { filter: (view) => view.agent.tier === 3 })).toEqual(['T3'])
    expect(s.state).toEqual({
      '1': { last: s.view('A').orderKey },
      '2': { last: s.view('T2b').orderKey },
      '3': { last: s.view('T3').orderKey },
    })
  })

  it('skips a tier with nobody offerable, and follows an agent changing tier', () => {
    const s = team()
    s.setOfferable('A', false)
    s.setOfferable('B', false)
    expect(s.order()).toEqual(['T2a', 'T2b', 'T3'])
    s.update('T3', (view) => ({ ...view, agent: { ...view.agent, tier: 1 } }))
    expect(s.order()).toEqual(['T3', 'T2a', 'T2b'])
  })

  it('nests strategies that keep agent data (weighted round robin within tiers)', () => {
    const s = new Simulation(tiers({ within: weightedRoundRobin() })).add(
      { id: 'A', weight: 2, tieBreak: 0.1 },
      { id: 'B', weight: 1, tieBreak: 0.2 },
      { id: 'Z', tier: 2 },
    )
    expect(s.run(6)).toEqual(['A', 'B', 'A', 'A', 'B', 'A'])
    // The inner strategy's data is stored under this strategy's name.
    expect(s.view('A').state.strategy.tiers).toMatchObject({ weight: 2 })
    expect(Object.keys(s.view('A').state.strategy)).toEqual(['tiers'])
    s.restart()
    expect(Simulation.counts(s.run(300))).toEqual({ A: 200, B: 100 })
  })

  it('nests fewest assigned: counts survive through the outer name', () => {
    const s = new Simulation(tiers({ within: fewestAssigned() })).add('A', 'B', 'C')
    expect(Simulation.counts(s.run(9))).toEqual({ A: 3, B: 3, C: 3 })
    expect(s.view('A').state.strategy.tiers).toMatchObject({ count: 3 })
  })

  it('passes the inner strategy owner lookup through', () => {
    expect(tiers({ within: stickyOwner({ windowMs: 5000 }) }).ownerLookupMs).toBe(5000)
    expect(tiers().ownerLookupMs).toBeUndefined()
  })
})
