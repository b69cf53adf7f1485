import { describe, expect, it } from 'vitest'
import { roundRobin } from './round-robin.js'
import { Simulation } from './strategy-harness.test-util.js'

const sim = (...ids: string[]) => new Simulation(roundRobin()).add(...ids)

describe('roundRobin', () => {
  it('available [Alice, Bob, Charlie]: leads 1..5 go to Alice, Bob, Charlie, Alice, Bob', () => {
    expect(sim('Alice', 'Bob', 'Charlie').run(5)).toEqual(['Alice', 'Bob', 'Charlie', 'Alice', 'Bob'])
  })

  it('persists only the orderKey of the last agent used, as plain JSON', () => {
    const s = sim('Alice', 'Bob')
    s.decide()
    expect(s.state).toEqual({ last: s.view('Alice').orderKey })
    expect(s.view('Alice').state.strategy).toEqual({})
  })

  it('skips agents that are not offerable and takes them back in their place', () => {
    const s = sim('A', 'B', 'C')
    expect(s.decide()).toBe('A')
    s.setOfferable('B', false)
    expect(s.run(3)).toEqual(['C', 'A', 'C'])
    s.setOfferable('B', true)
    expect(s.run(4)).toEqual(['A', 'B', 'C', 'A'])
  })

  it('wraps after the last agent; with one agent, always that agent; with none, nobody', () => {
    expect(sim('A', 'B').run(5)).toEqual(['A', 'B', 'A', 'B', 'A'])
    expect(sim('Solo').run(3)).toEqual(['Solo', 'Solo', 'Solo'])
    expect(sim().run(1)).toEqual(['-'])
  })

  it('skips agents the engine filters out (busy, excluded) without losing the rotation', () => {
    const s = sim('A', 'B', 'C', 'D')
    expect(s.decide()).toBe('A')
    expect(s.decide(s.request({ exclude: ['B'] }))).toBe('C')
    expect(s.decide(undefined, { filter: (view) => view.agent.id !== 'D' })).toBe('A')
    expect(s.run(3)).toEqual(['B', 'C', 'D'])
  })

  it('offers the last agent used last, so it still gets the lead when everyone else fails', () => {
    const s = sim('A', 'B', 'C')
    s.run(2)
    expect(s.order()).toEqual(['C', 'A', 'B'])
    expect(s.decide(undefined, { filter: (view) => view.agent.id === 'B' })).toBe('B')
  })

  it('adding an agent mid-rotation does not reset it', () => {
    const s = sim('A', 'B', 'C')
    expect(s.run(2)).toEqual(['A', 'B'])
    s.add('D') // registered last: after C
    expect(s.run(4)).toEqual(['C', 'D', 'A', 'B'])
    s.add({ id: 'Early', createdAt: Date.UTC(2020, 0, 1) }) // registered before everyone
    expect(s.run(5)).toEqual(['C', 'D', 'Early', 'A', 'B'])
  })

  it('removing the last agent used does not reset the rotation', () => {
    const s = sim('A', 'B', 'C', 'D')
    expect(s.run(2)).toEqual(['A', 'B'])
    s.setOfferable('B', false)
    expect(s.run(3)).toEqual(['C', 'D', 'A'])
    s.setOfferable('A', false) // the pointer's agent leaves
    expect(s.run(3)).toEqual(['C', 'D', 'C'])
  })

  it('an agent back from a break rejoins in its place, with no catch-up', () => {
    const s = sim('A', 'B', 'C')
    s.setOfferable('C', false)
    expect(s.run(4)).toEqual(['A', 'B', 'A', 'B'])
    s.setOfferable('C', true)
    expect(s.run(6)).toEqual(['C', 'A', 'B', 'C', 'A', 'B'])
  })

  it('a restart rebuilds the index from stored views and continues where it stopped', () => {
    const s = sim('A', 'B', 'C', 'D')
    expect(s.run(2)).toEqual(['A', 'B'])
    s.restart()
    expect(s.run(4)).toEqual(['C', 'D', 'A', 'B'])
  })

  it('two processes sharing the stored pointer continue each other exactly', () => {
    const s = new Simulation(roundRobin(), { processes: 2 }).add('A', 'B', 'C')
    const out = Array.from({ length: 7 }, (_, n) => s.decide(s.request(), { process: n % 2 }))
    expect(out).toEqual(['A', 'B', 'C', 'A', 'B', 'C', 'A'])
  })

  it('is exactly fair: 10,000 leads over 7 agents give 1,428 or 1,429 each', () => {
    const s = sim('a', 'b', 'c', 'd', 'e', 'f', 'g')
    const counts = Simulation.counts(s.run(10_000))
    for (const count of Object.values(counts)) expect([1428, 1429]).toContain(count)
  })

  it('orders candidates as a brute-force rotation does, through random joins and leaves', () => {
    const s = new Simulation(roundRobin(), { seed: 5 })
    for (let n = 0; n < 30; n++) s.add({ id: `a${n}`, offerable: n % 3 !== 0 })
    for (let step = 0; step < 300; step++) {
      const id = `a${Math.floor(s.random() * 30)}`
      s.setOfferable(id, !s.isOfferable(id))
      const keys = s.ids
        .filter((agent) => s.isOfferable(agent))
        .map((agent) => s.view(agent).orderKey)
        .sort()
      const state = s.state as { last: string } | undefined
      const start = state === undefined ? 0 : keys.findIndex((key) => key > state.last)
      const from = start === -1 ? keys.length : start
      const expected = [...keys.slice(from), ...keys.slice(0, from)]
      expect(s.order().map((agent) => s.view(agent).orderKey)).toEqual(expected)
      s.decide()
    }
  })
})
