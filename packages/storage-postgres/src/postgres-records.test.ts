import { isLeadCallError } from '@leadcall/core'
import { describe, expect, it } from 'vitest'
import { migratedSchema, skip } from './postgres.test-util.js'
import { postgresStorage } from './postgres-storage.js'

const { pool, schema } = await migratedSchema('records')
const ns = () => `t-${crypto.randomUUID()}`

describe.skipIf(skip)('postgres records', () => {
  const storage = postgresStorage({ pool, schema })

  it('gives ids that sort as strings like the records, out-of-order appends included', async () => {
    const space = ns()
    for (const time of [30, 10, 20, 10, 0, 1_700_000_000_000])
      await storage.append(space, 's', { time, data: time })
    const records = await storage.range(space, 's')
    expect(records.map((record) => record.time)).toEqual([0, 10, 10, 20, 30, 1_700_000_000_000])
    const ids = records.map((record) => record.id)
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('takes fractional and out-of-range bounds', async () => {
    const space = ns()
    for (const time of [1, 2, 3]) await storage.append(space, 's', { time, data: time })
    const times = async (options: Parameters<typeof storage.range>[2]) =>
      (await storage.range(space, 's', options)).map((record) => record.time)
    expect(await times({ from: 1.5, to: 3 })).toEqual([2])
    expect(await times({ from: 0.5, to: 2.5 })).toEqual([1, 2])
    expect(await times({ from: -1e300, to: 1e300 })).toEqual([1, 2, 3])
    expect(await times({ limit: 0 })).toEqual([])
    expect(await storage.trim(space, 's', 2.5)).toBe(2)
    expect(await storage.trim(space, 's', 1e300)).toBe(1)
  })

  it('rejects record times that are not non-negative integers', async () => {
    for (const time of [-1, 1.5, Number.NaN]) {
      const error = await storage.append(ns(), 's', { time, data: null }).catch((caught: unknown) => caught)
      expect(isLeadCallError(error, 'VALIDATION_FAILED')).toBe(true)
    }
  })
})
