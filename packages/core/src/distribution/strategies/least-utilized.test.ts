import { describe, expect, it } from 'vitest'
import { leastUtilized } from './least-utilized.js'
import { Simulation } from './strategy-harness.test-util.js'

describe('leastUtilized', () => {
  it('orders by active / capacity, lowest first', () => {
    const s = new Simulation(leastUtilized(), { autoRelease: false }).add(
      { id: 'A', capacity: 4, state: { active: 1 } }, // 0.25
      { id: 'B', capacity: 2, state: { active: 1 } }, // 0.5
      { id: 'C', capacity: 1 }, // 0
      { id: 'D', capacity: 3, state: { active: 3 } }, // 1: full, still ordered last
    )
    expect(s.order()).toEqual(['C', 'A', 'B', 'D'])
  })

  it('fills agents in proportion to their capacity', () => {
    const s = new Simulation(leastUtilized(), { autoRelease: false }).add(
      { id: 'big', capacity: 4, tieBreak: 0.9 },
      { id: 'small', capacity: 2, tieBreak: 0.1 },
    )
    // 0/4 vs 0/2 tie (small by tie-break); then 0/4 < 1/2; 1/4 < 1/2; 2/4 = 1/2 tie → small; …
    expect(s.run(7)).toEqual(['small', 'big', 'big', 'small', 'big', 'big', '-'])
    s.release('big')
    expect(s.decide()).toBe('big')
  })

  it('orders as a brute-force sort through random loads', () => {
    const s = new Simulation(leastUtilized(), { seed: 12, autoRelease: false })
    for (let n = 0; n < 30; n++) s.add({ id: `a${n}`, capacity: 1 + Math.floor(s.random() * 5) })
    for (let step = 0; step < 200; step++) {
      const id = `a${Math.floor(s.random() * 30)}`
      if (s.random() < 0.5) s.release(id)
      else s.decide()
      const load = (agent: string) => s.view(agent).state.active / s.view(agent).agent.capacity
      const expected = s.ids.sort((a, b) => load(a) - load(b) || s.view(a).tieBreak - s.view(b).tieBreak)
      expect(s.order()).toEqual(expected)
    }
  })
})
