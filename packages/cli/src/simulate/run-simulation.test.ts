import { describe, expect, it } from 'vitest'
import { runSimulation, type StrategyResult } from './run-simulation.js'

const withoutWallTime = ({ wallMs: _wallMs, ...rest }: StrategyResult) => rest

describe('runSimulation', () => {
  it('runs each strategy through the pipeline: with agents always free, round robin rotates and tiers keep to tier 1', async () => {
    const report = await runSimulation({
      agents: 4,
      leads: 40,
      strategies: ['round-robin', 'tiers'],
      meanGapMs: 10 * 60_000,
      talkMs: 60_000,
      seed: 3,
    })
    expect(report.settings.strategies).toEqual(['round-robin', 'tiers'])
    const [roundRobin, tiers] = report.results
    for (const result of report.results) {
      expect(result.outcomes.completed + result.outcomes.failed).toBe(40)
      expect(result.outcomes.completed).toBeGreaterThan(30)
      // Every lead found a free agent at once (speed to lead in virtual time is 0), none waited.
      expect(result.speedToLead).toEqual({ p50: 0, p95: 0, count: 40 })
      expect(result.queueWait.count).toBe(0)
      expect(result.dials).toBeGreaterThanOrEqual(40)
      // Hours of virtual time in far less real time.
      expect(result.simulatedMs).toBeGreaterThan(3 * 3_600_000)
      expect(result.wallMs).toBeLessThan(result.simulatedMs / 100)
    }
    expect(roundRobin?.balance.maxAssigned).toBeLessThanOrEqual((roundRobin?.balance.minAssigned ?? 0) + 1)
    // Agents 3 and 4 are tier 2: they only take overflow, and there is none.
    expect(tiers?.assignedByAgent).toMatchObject({ 'agent-03': 0, 'agent-04': 0 })
    expect(tiers?.balance.minAssigned).toBe(0)
  }, 60_000)

  it('queues leads when agents are busy, and gives the same figures for the same seed', async () => {
    const options = {
      agents: 3,
      leads: 40,
      strategies: ['longest-idle'],
      meanGapMs: 5_000,
      talkMs: 120_000,
      seed: 11,
    }
    const first = await runSimulation(options)
    const again = await runSimulation(options)
    const result = first.results[0]!
    expect(result.outcomes.completed + result.outcomes.failed).toBe(40)
    expect(result.queueWait.count).toBeGreaterThan(10)
    expect(result.queueWait.p95).toBeGreaterThan(60_000)
    expect(result.speedToLead.p95).toBeGreaterThan(60_000)
    expect(again.results.map(withoutWallTime)).toEqual(first.results.map(withoutWallTime))
    const other = await runSimulation({ ...options, seed: 12 })
    expect(withoutWallTime(other.results[0]!)).not.toEqual(withoutWallTime(result))
  }, 60_000)

  it('re-dials leads that do not answer, on virtual time, until the re-dials run out', async () => {
    const report = await runSimulation({ agents: 2, leads: 10, answerRate: 0, meanGapMs: 600_000, seed: 5 })
    const result = report.results[0]!
    expect(result.outcomes.completed).toBe(0)
    expect(result.answerRate).toBe(0)
    expect(result.outcomes.failuresByCode.CALL_FAILED).toBeGreaterThan(0)
    // A first call and two re-dials per lead at least (more when an agent did not pick up).
    expect(result.dials).toBeGreaterThanOrEqual(30)
    // The last re-dial comes 1 + 5 minutes (and the 2-minute minimum between dials) after the first.
    expect(result.simulatedMs).toBeGreaterThan(9 * 600_000)
  }, 60_000)

  it('gives a lead to the next agent when one does not pick up, and every lead still ends', async () => {
    const report = await runSimulation({
      agents: 3,
      leads: 40,
      meanGapMs: 20_000,
      talkMs: 30_000,
      pickUpRate: { min: 0.3, max: 0.4 },
      seed: 2,
    })
    const result = report.results[0]!
    expect(result.outcomes.completed + result.outcomes.failed).toBe(40)
    expect(result.outcomes.completed).toBeGreaterThan(0)
    // Agents pick up a third of their calls: most leads take several agents (3 at most).
    expect(result.dials).toBeGreaterThan(80)
    expect(result.outcomes.failuresByCode.AGENT_NOT_AVAILABLE ?? 0).toBeGreaterThan(0)
    expect(Object.values(result.assignedByAgent).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(40)
  }, 60_000)
})
