import { describe, expect, it } from 'vitest'
import { longestIdle } from './longest-idle.js'
import { Simulation } from './strategy-harness.test-util.js'

describe('longestIdle', () => {
  it('offers the agent idle the longest first', () => {
    const s = new Simulation(longestIdle()).add(
      { id: 'A', state: { idleSince: 3000 } },
      { id: 'B', state: { idleSince: 1000 } },
      { id: 'C', state: { idleSince: 2000 } },
    )
    expect(s.order()).toEqual(['B', 'C', 'A'])
    // Each call ends at once, so the agent who just had one becomes the most recently idle.
    expect(s.run(5)).toEqual(['B', 'C', 'A', 'B', 'C'])
  })

  it('follows idleSince as the engine updates it', () => {
    const s = new Simulation(longestIdle(), { autoRelease: false }).add(
      { id: 'A', state: { idleSince: 1 } },
      { id: 'B', state: { idleSince: 2 } },
    )
    expect(s.decide()).toBe('A') // A busy now
    expect(s.decide()).toBe('B')
    s.release('B') // B free first
    s.clock += 1000
    s.release('A')
    expect(s.order()).toEqual(['B', 'A'])
  })

  it('orders as a brute-force sort through random updates', () => {
    const s = new Simulation(longestIdle(), { seed: 8 })
    for (let n = 0; n < 40; n++) s.add({ id: `a${n}`, state: { idleSince: Math.floor(s.random() * 5) } })
    for (let step = 0; step < 200; step++) {
      const id = `a${Math.floor(s.random() * 40)}`
      s.update(id, (view) => ({ ...view, state: { ...view.state, idleSince: Math.floor(s.random() * 5) } }))
      const expected = s.ids.sort(
        (a, b) =>
          s.view(a).state.idleSince - s.view(b).state.idleSince || s.view(a).tieBreak - s.view(b).tieBreak,
      )
      expect(s.order()).toEqual(expected)
    }
  })
})
