import { describe, expect, it } from 'vitest'
import type { SoakFigures } from './run-soak.js'
import { parseSoakOptions } from './soak-options.js'
import { missedTargets } from './soak-report.js'

const passing: SoakFigures = {
  storage: 'memory',
  rate: 200,
  durationSec: 60,
  submitted: 12_000,
  processes: 12_000,
  achievedRate: 199.5,
  httpErrors: 0,
  heap: { warmUpBytes: 50e6, endBytes: 49e6, growthPct: -2 },
  retentionMs: 6000,
  storeDocuments: { warmUp: 9000, end: 9100 },
  p99: { firstMs: 20, lastMs: 25, drift: 1.25, windowSec: 12, tenths: [] },
  gcMs: { first: 500, last: 600 },
  provider: {} as SoakFigures['provider'],
  statuses: { completed: 12_000 },
  accounted: 12_000,
  lost: 0,
  lostSamples: [],
  drainMs: 5000,
}

describe('soak targets', () => {
  it('passes a run within every target', () => {
    expect(missedTargets(passing)).toEqual([])
  })

  it('tells a latency drift apart from the targets that fail at once', () => {
    const slow = { ...passing, p99: { ...passing.p99, lastMs: 300, drift: 15 } }
    expect(missedTargets(slow).map((m) => m.target)).toEqual(['latency'])
    // Within 50 ms of the start, a ratio above 1.5 is jitter, not drift.
    expect(missedTargets({ ...passing, p99: { ...passing.p99, lastMs: 60, drift: 3 } })).toEqual([])
    const lost = { ...slow, accounted: 11_999, lost: 1, lostSamples: ['p-1 in_call'] }
    expect(missedTargets(lost).map((m) => m.target)).toEqual(['latency', 'leads'])
    const grown = { ...passing, heap: { ...passing.heap, growthPct: 12 } }
    expect(missedTargets(grown).map((m) => m.target)).toEqual(['heap'])
  })

  it('reads --attempts, and refuses what it does not know', () => {
    expect(parseSoakOptions(['--', '--duration', '60', '--attempts', '2'])).toMatchObject({
      durationSec: 60,
      attempts: 2,
    })
    expect(parseSoakOptions([])).toMatchObject({ attempts: 1, durationSec: 600 })
    expect(parseSoakOptions([]).rate).toBeUndefined()
    expect(parseSoakOptions(['--rate', '150']).rate).toBe(150)
    expect(() => parseSoakOptions(['--attempts', '0'])).toThrow(/positive/)
    expect(() => parseSoakOptions(['--retries', '2'])).toThrow(/Unknown argument/)
  })
})
