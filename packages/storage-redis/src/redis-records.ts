/**
 * The append-only record streams of the Redis driver.
 *
 * A stream is one sorted set (`…:s:<stream>`): the score is the record's time, the member is
 * `<id>\n<json>`. The id is `<time>-<seq>`, both zero-padded to 16 digits, `seq` taken from the
 * namespace counter; within one time, Redis orders equal scores bytewise by member, that is by
 * `seq`, that is by append order. So ids sort as strings like the records, records appended out
 * of time order land at their place, and:
 *
 * - `append` is one script (the counter and the `ZADD` together);
 * - `range` is one `ZRANGEBYSCORE` (or `ZREVRANGEBYSCORE`) with `LIMIT`;
 * - `trim` is one `ZREMRANGEBYSCORE`, which also returns how many records it removed.
 *
 * As in the memory driver, record times are non-negative integers (ms since epoch).
 *
 * @internal
 * @module
 */
import type { AppendInput, RangeOptions, StoredRecord } from '@leadcall/core'
import type { RedisContext } from './redis-context.js'
import { defineScript, runScript } from './redis-scripts.js'
import { assertFinite, assertInteger, encodeJson, invalid, numberText } from './redis-support.js'

/** KEYS: 1 namespace counter, 2 stream. ARGV: time or '', json. Returns id and time. */
export const APPEND = defineScript(
  'append',
  `
local time = ARGV[1] ~= '' and tonumber(ARGV[1]) or now_ms()
local id = string.format('%016d-%016d', time, redis.call('INCR', KEYS[1]))
redis.call('ZADD', KEYS[2], time, id .. '\\n' .. ARGV[2])
return { id, string.format('%d', time) }
`,
)

/** Appends a record. @internal */
export async function appendRecord<T>(
  ctx: RedisContext,
  ns: string,
  stream: string,
  input: AppendInput<T>,
): Promise<StoredRecord<T>> {
  const time = input?.time
  if (time !== undefined && (!Number.isSafeInteger(time) || time < 0))
    throw invalid('record time must be a non-negative integer (ms since epoch)')
  const json = encodeJson(input.data, 'The record data')
  const keys = [ctx.keys.seq(ns), ctx.keys.stream(ns, stream)]
  const [id, stored] = (await runScript(ctx.client, APPEND, keys, [
    time === undefined ? '' : String(time),
    json,
  ])) as [string, string]
  return { id, time: Number(stored), data: JSON.parse(json) as T }
}

/** Records with `from <= time < to`, oldest first (or newest first), at most `limit`. @internal */
export async function rangeRecords<T>(
  ctx: RedisContext,
  ns: string,
  stream: string,
  options: RangeOptions,
): Promise<StoredRecord<T>[]> {
  const { from, to, limit, reverse = false } = options
  if (from !== undefined) assertFinite(from, 'from')
  if (to !== undefined) assertFinite(to, 'to')
  if (limit !== undefined) assertInteger(limit, 'limit', 0)
  if (limit === 0) return []
  const key = ctx.keys.stream(ns, stream)
  const min = from === undefined ? '-inf' : numberText(from)
  const max = to === undefined ? '+inf' : `(${numberText(to)}`
  const members =
    limit === undefined
      ? reverse
        ? await ctx.client.zrevrangebyscore(key, max, min)
        : await ctx.client.zrangebyscore(key, min, max)
      : reverse
        ? await ctx.client.zrevrangebyscore(key, max, min, 'LIMIT', 0, limit)
        : await ctx.client.zrangebyscore(key, min, max, 'LIMIT', 0, limit)
  return members.map((member) => parseRecord<T>(member))
}

/** Deletes the records with `time < before`; returns how many. @internal */
export async function trimRecords(
  ctx: RedisContext,
  ns: string,
  stream: string,
  before: number,
): Promise<number> {
  assertFinite(before, 'before')
  return ctx.client.zremrangebyscore(ctx.keys.stream(ns, stream), '-inf', `(${numberText(before)}`)
}

function parseRecord<T>(member: string): StoredRecord<T> {
  const newline = member.indexOf('\n')
  return {
    id: member.slice(0, newline),
    time: Number(member.slice(0, 16)),
    data: JSON.parse(member.slice(newline + 1)) as T,
  }
}
