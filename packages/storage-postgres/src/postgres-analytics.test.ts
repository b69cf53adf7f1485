import { createLeadCall, isLeadCallError, simulatedTelephony } from '@leadcall/core'
import { afterAll, describe, expect, it } from 'vitest'
// Tracking's own writer and the brute-force recomputation its tests check analytics against: the
// records below are written exactly as an app writes them, and checked by code that shares nothing
// with the SQL.
import {
  bruteForce,
  expectAgentSeries,
  expectCounters,
  expectSeries,
  writeRandomRecords,
} from '../../core/src/tracking/tracking.test-util.js'
import { migratedSchema, skip } from './postgres.test-util.js'
import { postgresStorage } from './postgres-storage.js'

const DAY = 86_400_000
const HOUR = 3_600_000
const START = Date.parse('2026-03-04T00:00:00.000Z')
const AGENTS = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay']

const { pool, schema } = await migratedSchema('analytics')

/** `percentile_cont`: linear interpolation between the closest ranks of sorted `values`. */
function continuous(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const at = q * (sorted.length - 1)
  const low = Math.floor(at)
  const high = Math.ceil(at)
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low)
}

function expectExact(
  actual: { p50: number | null; p95: number | null; p99: number | null; count: number },
  samples: number[],
) {
  expect(actual.count).toBe(samples.length)
  for (const [key, q] of [
    ['p50', 0.5],
    ['p95', 0.95],
    ['p99', 0.99],
  ] as const) {
    const expected = continuous(samples, q)
    if (expected === null) expect(actual[key], key).toBeNull()
    else expect(actual[key], key).toBeCloseTo(expected, 6)
  }
}

/** Random records of `tenant` over 8 days, written through tracking's record writer. */
async function populate(tenant: string, seed: number, count: number) {
  const storage = postgresStorage({ pool: pool!, schema })
  const written = await writeRandomRecords({
    storage,
    ns: tenant,
    seed,
    count,
    start: START,
    days: 8,
    agents: AGENTS,
  })
  return { ...written, storage }
}

describe.skipIf(skip !== false)('processAnalytics: tracking analytics computed in SQL', async () => {
  // Two tenants in one schema: each sees only its own processes.
  const main = skip === false ? await populate('main', 7, 1_500) : undefined
  const other = skip === false ? await populate('other', 8, 200) : undefined
  afterAll(async () => {
    await main?.core.tracking.close()
    await other?.core.tracking.close()
  })

  for (const timeZone of ['UTC', 'America/New_York', 'Asia/Kolkata']) {
    it(`counts exactly what the records say, with exact percentiles (${timeZone})`, async () => {
      const { storage, records } = main!
      const brute = bruteForce(records, timeZone)
      const period = { tenant: 'main', from: START, to: START + 8 * DAY, timeZone }

      const byDay = await storage.processAnalytics(period)
      expect(byDay.from).toBe(new Date(START).toISOString())
      expect(byDay.to).toBe(new Date(START + 8 * DAY).toISOString())
      expectCounters(byDay.totals, brute)
      expectExact(byDay.totals.processingTime, brute.samples.processing)
      expectExact(byDay.totals.speedToDial, brute.samples.dial)
      expectExact(byDay.totals.speedToAnswer, brute.samples.answer)
      expect(byDay.totals.agents.find((a) => a.agentId === 'ann')?.name).toBe('ANN')
      // Every day the period touches in the zone, empty ones included, in order.
      const days = byDay.series.map((s) => s.key)
      expect(days).toEqual([...days].sort())
      expect(new Set(days).size).toBe(days.length)
      for (const day of Object.keys(brute.byDay)) expect(days).toContain(day)
      expect(days).toHaveLength(timeZone === 'UTC' ? 8 : 9)
      expectSeries(byDay.series, brute.byDay)

      const byHour = await storage.processAnalytics({ ...period, groupBy: 'hour' })
      expect(byHour.series.map((s) => s.key)).toEqual(Array.from({ length: 24 }, (_, h) => String(h)))
      expectSeries(byHour.series, brute.byHour)

      const byWeekday = await storage.processAnalytics({ ...period, groupBy: 'weekday' })
      expect(byWeekday.series.map((s) => s.key)).toEqual(['0', '1', '2', '3', '4', '5', '6'])
      expectSeries(byWeekday.series, brute.byWeekday)

      const byAgent = await storage.processAnalytics({ ...period, groupBy: 'agent' })
      expectAgentSeries(byAgent.series, brute.agents)
      expect(byAgent.series.map((s) => s.key)).toEqual([...AGENTS].filter((id) => id in brute.agents))
    })
  }

  it('agrees with tracking.analytics() on every counter over whole days', async () => {
    const { core, storage } = main!
    const period = { from: START + DAY, to: START + 6 * DAY }
    const fromCounters = await core.tracking.analytics(period)
    const fromSql = await storage.processAnalytics({ tenant: 'main', ...period })
    const { processingTime, speedToDial, speedToAnswer, ...counters } = fromSql.totals
    const { processingTime: p, speedToDial: d, speedToAnswer: a, ...expected } = fromCounters.totals
    expect(counters.balance.coefficientOfVariation).toBeCloseTo(expected.balance.coefficientOfVariation!, 10)
    expect({ ...counters, balance: null }).toEqual({ ...expected, balance: null })
    expect([processingTime.count, speedToDial.count, speedToAnswer.count]).toEqual([
      p.count,
      d.count,
      a.count,
    ])
    expect(fromSql.series).toEqual(fromCounters.series)
  })

  it('takes the period exactly, not by whole days, and keeps tenants apart', async () => {
    const from = START + 2 * DAY + 7 * HOUR + 123
    const to = START + 4 * DAY + 15 * HOUR
    for (const [tenant, populated] of [
      ['main', main!],
      ['other', other!],
    ] as const) {
      const inside = populated.records.filter((r) => {
        const t = Date.parse(r.timestamp)
        return t >= from && t < to
      })
      expect(inside.length).toBeGreaterThan(0)
      expect(inside.length).toBeLessThan(populated.records.length)
      const result = await main!.storage.processAnalytics({ tenant, from: new Date(from).toISOString(), to })
      const brute = bruteForce(inside, 'UTC')
      expectCounters(result.totals, brute)
      expectExact(result.totals.speedToAnswer, brute.samples.answer)
      expect(result.series.map((s) => s.key)).toEqual(['2026-03-06', '2026-03-07', '2026-03-08'])
    }
    const nobody = await main!.storage.processAnalytics({ tenant: 'nobody', from, to, groupBy: 'agent' })
    expect(nobody.totals).toMatchObject({
      totalProcesses: 0,
      successRate: null,
      agents: [],
      errorsByCode: {},
    })
    expect(nobody.totals.processingTime).toEqual({ p50: null, p95: null, p99: null, count: 0 })
    expect(nobody.totals.balance).toEqual({ maxAssigned: 0, minAssigned: 0, coefficientOfVariation: null })
    expect(nobody.series).toEqual([])
  })

  it('reads a day YYYY-MM-DD as its start in the time zone', async () => {
    const { storage, records } = main!
    const timeZone = 'America/New_York'
    const result = await storage.processAnalytics({
      tenant: 'main',
      from: '2026-03-06',
      to: '2026-03-09',
      timeZone,
    })
    // 2026-03-08 is the start of daylight saving time in New York: that day has 23 hours.
    expect(result.from).toBe('2026-03-06T05:00:00.000Z')
    expect(result.to).toBe('2026-03-09T04:00:00.000Z')
    const inside = records.filter((r) => {
      const t = Date.parse(r.timestamp)
      return t >= Date.parse(result.from) && t < Date.parse(result.to)
    })
    expectCounters(result.totals, bruteForce(inside, timeZone))
    expect(result.series.map((s) => s.key)).toEqual(['2026-03-06', '2026-03-07', '2026-03-08'])
  })

  it('queries a period through the primary key of records, not by scanning the table', async () => {
    await pool!.query(`ANALYZE "${schema}".records, "${schema}".documents`)
    const { rows } = await pool!.query(
      `EXPLAIN SELECT * FROM "${schema}".process_records
       WHERE tenant = 'main' AND received_ms >= $1 AND received_ms < $2`,
      [START + DAY, START + DAY + HOUR],
    )
    const plan = rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n')
    expect(plan).toMatch(/Index (Only )?Scan using records_pkey/)
    expect(plan).not.toMatch(/Seq Scan on records/)
    expect(plan).not.toMatch(/Seq Scan on documents/)
  })

  it('shows, in the view, what the pipeline recorded: type, agent and the routing pool', async () => {
    const app = createLeadCall({
      storage: postgresStorage({ pool: pool!, schema }),
      tenant: 'routed',
      telephony: simulatedTelephony({ seed: 1 }),
      phone: { defaultCountry: 'US' },
      compliance: { callingHours: false },
    })
    try {
      await app.agents.upsert({ id: 'lucia', name: 'Lucía', pools: ['es'], status: 'available' })
      await app.agents.upsert({ id: 'mark', name: 'Mark', status: 'available' })
      const routed = await app.submitLead(
        { name: 'Ana Ruiz', phone: '+34 612 345 678' },
        { routing: { pool: 'es' } },
      )
      const plain = await app.submitLead({ name: 'Jo Doe', phone: '(415) 555-2671' })
      for (const { processId } of [routed, plain]) {
        while ((await app.tracking.process(processId))?.agent === undefined)
          await new Promise((resolve) => setTimeout(resolve, 10))
      }
      const { rows } = await pool!.query(
        `SELECT process_id, type, agent_id, agent_name, pool FROM "${schema}".process_records
         WHERE tenant = 'routed' ORDER BY received_ms, process_id`,
      )
      expect(rows).toEqual(
        expect.arrayContaining([
          {
            process_id: routed.processId,
            type: 'lead',
            agent_id: 'lucia',
            agent_name: 'Lucía',
            pool: 'es',
          },
          {
            process_id: plain.processId,
            type: 'lead',
            agent_id: 'mark',
            agent_name: 'Mark',
            pool: null,
          },
        ]),
      )
    } finally {
      await app.close()
    }
  })

  it('refuses what it cannot answer with VALIDATION_FAILED', async () => {
    const { storage } = main!
    const cases: [string, Parameters<typeof storage.processAnalytics>[0]][] = [
      ['from = to', { from: START, to: START }],
      ['from > to', { from: START + DAY, to: START }],
      ['a day equal to the end', { from: '2026-03-06', to: '2026-03-06' }],
      ['not a date', { from: 'yesterday', to: START }],
      ['groupBy', { from: START, to: START + DAY, groupBy: 'month' as 'day' }],
      ['time zone', { from: START, to: START + DAY, timeZone: 'Mars/Olympus_Mons' }],
      ['tenant', { tenant: '', from: START, to: START + DAY }],
      ['too many days', { from: START, to: START + 1_001 * DAY }],
    ]
    for (const [what, options] of cases) {
      const error = await storage.processAnalytics(options).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isLeadCallError(error) && error.code === 'VALIDATION_FAILED', what).toBe(true)
    }
    // A thousand days is the most a day series holds; grouped otherwise, a long period is fine.
    expect((await storage.processAnalytics({ from: START, to: START + 1_000 * DAY })).series).toHaveLength(
      1_000,
    )
    const long = await storage.processAnalytics({ from: START, to: START + 1_001 * DAY, groupBy: 'hour' })
    expect(long.series).toHaveLength(24)
    const aborted = new AbortController()
    aborted.abort()
    await expect(
      storage.processAnalytics({ from: START, to: START + DAY, signal: aborted.signal }),
    ).rejects.toThrow()
  })
})
