import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../../errors/lead-call-error.js'
import { fewestAssigned } from './fewest-assigned.js'
import { Simulation } from './strategy-harness.test-util.js'
import { windowKey } from './window-key.js'

const countOf = (s: Simulation, id: string) =>
  (s.view(id).state.strategy['fewest-assigned'] as { count: number } | undefined)?.count

describe('fewestAssigned', () => {
  it('offers the agent with the fewest leads in the window first, ties by tie-break', () => {
    const s = new Simulation(fewestAssigned()).add(
      { id: 'A', tieBreak: 0.7 },
      { id: 'B', tieBreak: 0.2 },
      { id: 'C', tieBreak: 0.5 },
    )
    expect(s.order()).toEqual(['B', 'C', 'A'])
    expect(s.run(6)).toEqual(['B', 'C', 'A', 'B', 'C', 'A'])
    expect(s.view('A').state.strategy['fewest-assigned']).toEqual({ window: 'day:2025-01-06', count: 2 })
  })

  it('balances under filters: an agent skipped for a while catches up only to the others', () => {
    const s = new Simulation(fewestAssigned()).add('A', 'B', 'C')
    s.run(30, { filter: (view) => view.agent.id !== 'C' })
    expect(Simulation.counts(s.run(60))).toEqual({ A: 15, B: 15, C: 30 })
  })

  it('caps the catch-up: an agent back from a break is not flooded with the backlog', () => {
    const s = new Simulation(fewestAssigned()).add('A', 'B', 'C')
    expect(Simulation.counts(s.run(30))).toEqual({ A: 10, B: 10, C: 10 })
    s.setOfferable('C', false)
    expect(Simulation.counts(s.run(20))).toEqual({ A: 10, B: 10 })
    s.setOfferable('C', true)
    const after = s.run(6)
    expect(Simulation.counts(after)).toEqual({ A: 2, B: 2, C: 2 })
    expect(countOf(s, 'C')).toBe(22)
  })

  it('a restart continues exactly where it stopped', () => {
    const one = new Simulation(fewestAssigned(), { seed: 9 }).add('A', 'B', 'C', 'D')
    const two = new Simulation(fewestAssigned(), { seed: 9 }).add('A', 'B', 'C', 'D')
    const filter = (view: { agent: { id: string } }) => view.agent.id !== 'D'
    one.run(7, { filter })
    two.run(7, { filter })
    two.restart()
    expect(two.run(20)).toEqual(one.run(20))
  })

  it('starts a new window at midnight in the configured time zone', () => {
    // 2025-01-06 23:00 in New York is 2025-01-07 04:00 UTC.
    const s = new Simulation(fewestAssigned({ timeZone: 'America/New_York' }), {
      now: Date.UTC(2025, 0, 7, 4, 0),
      tick: 60_000,
    }).add({ id: 'A', tieBreak: 0.1 }, { id: 'B', tieBreak: 0.9 })
    s.run(3, { filter: (view) => view.agent.id === 'A' })
    expect(s.view('A').state.strategy['fewest-assigned']).toEqual({ window: 'day:2025-01-06', count: 3 })
    expect(s.order()).toEqual(['B', 'A'])
    s.clock = Date.UTC(2025, 0, 7, 5, 0) // midnight in New York: a new day, everyone at 0
    expect(s.order()).toEqual(['A', 'B'])
    expect(s.decide()).toBe('A')
    expect(s.view('A').state.strategy['fewest-assigned']).toEqual({ window: 'day:2025-01-07', count: 1 })
  })

  it("'all' never rolls over; 'week' rolls over on Monday", () => {
    const all = new Simulation(fewestAssigned({ window: 'all' })).add({ id: 'A', tieBreak: 0.1 }, 'B')
    all.run(1, { filter: (view) => view.agent.id === 'A' })
    all.clock += 400 * 86_400_000
    expect(all.order()[0]).toBe('B')
    expect(windowKey('week', 'UTC', Date.UTC(2025, 0, 12, 23, 59))).toBe('week:2025-01-06')
    expect(windowKey('week', 'UTC', Date.UTC(2025, 0, 13, 0, 0))).toBe('week:2025-01-13')
    expect(windowKey('week', 'Asia/Tokyo', Date.UTC(2025, 0, 12, 15, 0))).toBe('week:2025-01-13')
    expect(windowKey('day', 'Asia/Kathmandu', Date.UTC(2025, 0, 6, 18, 14))).toBe('day:2025-01-06')
    expect(windowKey('day', 'Asia/Kathmandu', Date.UTC(2025, 0, 6, 18, 15))).toBe('day:2025-01-07')
  })

  it('rejects an unknown time zone or window', () => {
    expect(() => fewestAssigned({ timeZone: 'Mars/Olympus' })).toThrow(LeadCallError)
    // @ts-expect-error: not a window
    expect(() => fewestAssigned({ window: 'month' })).toThrow(LeadCallError)
  })

  it('orders candidates as a brute-force sort of the stored counts when nobody is catching up', () => {
    const s = new Simulation(fewestAssigned(), { seed: 4 })
    for (let n = 0; n < 25; n++) s.add(`a${n}`)
    for (let step = 0; step < 200; step++) {
      const blocked = `a${Math.floor(s.random() * 25)}`
      s.decide(s.request(), { filter: (view) => view.agent.id !== blocked })
      const expected = s.ids.sort(
        (a, b) => (countOf(s, a) ?? 0) - (countOf(s, b) ?? 0) || s.view(a).tieBreak - s.view(b).tieBreak,
      )
      expect(s.order()).toEqual(expected)
    }
  })
})
