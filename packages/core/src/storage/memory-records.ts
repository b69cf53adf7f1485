/**
 * One append-only record stream of the memory storage driver.
 *
 * Records are kept in an array sorted by time then append order. Appends are usually in time order
 * and cost a push; an out-of-order append is placed by binary search after the records of the same
 * time. Range bounds and trimming are binary searches too.
 *
 * Record ids are `<time>-<sequence>`, both zero-padded (16 and 12 digits), so that comparing ids as
 * plain strings orders them like the records, including out-of-order appends. This is why the
 * memory driver only accepts record times that are non-negative integers.
 *
 * @internal
 * @module
 */
import { LeadCallError } from '../errors/lead-call-error.js'
import { assertFinite, decodeJson, encodeJson } from './memory-support.js'
import type { AppendInput, StoredRecord } from './storage-v1.js'

/** A record as the stream keeps it. */
interface Entry {
  id: string
  time: number
  json: string
}

/** One stream of one namespace. @internal */
export class MemoryStream {
  private readonly records: Entry[] = []
  private lastSeq = 0

  /** How many records the stream holds. */
  get size(): number {
    return this.records.length
  }

  /** Appends a record. */
  append<T>(input: AppendInput<T>, now: number): StoredRecord<T> {
    const time = input?.time ?? now
    if (!Number.isSafeInteger(time) || time < 0)
      throw new LeadCallError('VALIDATION_FAILED', {
        message: 'record time must be a non-negative integer (ms since epoch)',
      })
    const json = encodeJson(input.data, 'The record data')
    const id = `${String(time).padStart(16, '0')}-${String(++this.lastSeq).padStart(12, '0')}`
    const entry: Entry = { id, time, json }
    const records = this.records
    const last = records[records.length - 1]
    if (last === undefined || last.time <= time) records.push(entry)
    else records.splice(this.firstAtOrAfter(time + 1), 0, entry)
    return { id, time, data: decodeJson<T>(json) }
  }

  /** Records with `from <= time < to`, oldest first (or newest first), at most `limit`. */
  range<T>(
    from: number | undefined,
    to: number | undefined,
    limit: number | undefined,
    reverse: boolean,
  ): StoredRecord<T>[] {
    if (from !== undefined) assertFinite(from, 'from')
    if (to !== undefined) assertFinite(to, 'to')
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
      throw new LeadCallError('VALIDATION_FAILED', { message: 'limit must be a non-negative integer' })
    const start = from === undefined ? 0 : this.firstAtOrAfter(from)
    const end = to === undefined ? this.records.length : this.firstAtOrAfter(to)
    const count = Math.max(0, Math.min(end - start, limit ?? Number.POSITIVE_INFINITY))
    const out: StoredRecord<T>[] = []
    for (let index = 0; index < count; index++) {
      const entry = this.records[reverse ? end - 1 - index : start + index]!
      out.push({ id: entry.id, time: entry.time, data: decodeJson<T>(entry.json) })
    }
    return out
  }

  /** Deletes records with `time < before`; returns how many. */
  trim(before: number): number {
    assertFinite(before, 'before')
    const count = this.firstAtOrAfter(before)
    if (count > 0) this.records.splice(0, count)
    return count
  }

  /** Index of the first record whose time is >= `time` (the length when none). */
  private firstAtOrAfter(time: number): number {
    const records = this.records
    let low = 0
    let high = records.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (records[middle]!.time < time) low = middle + 1
      else high = middle
    }
    return low
  }
}
