/**
 * The keyed documents of the Redis driver: reads, listing and the atomic commit.
 *
 * - A document is one string key, `<version>:<expiresAt>:<json>` (`expiresAt` empty without TTL),
 *   so `get` is one `GET` and `getMany` one `MGET`. A TTL is native: `SET … PXAT expiresAt`.
 * - Versions come from the namespace counter (`m:seq`), so a version is never reused, not even for
 *   a key deleted and written again.
 * - `atomic` is one script: it reads what the checks and increments need, checks, stages every
 *   mutation (an increment of a non-number fails before anything is written), then writes. Redis
 *   runs a script without interleaving any other command, so the commit is linearizable.
 * - `list` reads the index `m:idx` (every key, score 0, so `ZRANGEBYLEX` pages by key and prefix)
 *   then the documents with `MGET`. Expired keys leave the index lazily: each commit removes up to 64
 *   keys whose expiry (kept in `m:exp`) has passed, and `list` drops the entries it finds without a
 *   document (after checking again, atomically, that the document is really gone). An expired key
 *   is never listed, since its document is gone.
 *
 * @internal
 * @module
 */
import type { AtomicOperation, AtomicResult, ListOptions, ListPage, StorageEntry } from '@leadcall/core'
import type { RedisContext } from './redis-context.js'
import { defineScript, runScript, type ScriptArg } from './redis-scripts.js'
import {
  assertFinite,
  assertInteger,
  assertName,
  assertPositive,
  encodeJson,
  invalid,
  numberText,
  wholeMs,
} from './redis-support.js'

/** How many index entries `list` reads per round trip. */
const LIST_BATCH = 1000

/**
 * The atomic commit.
 *
 * KEYS: 1 namespace counter, 2 document index, 3 expiry index, 3+i document i (i = 1..n).
 * ARGV: n, the n document keys as the caller names them, the number of checks, then per check the
 * document and `-` (must be absent) or `=<version>`, the number of mutations, then per mutation
 * four values: `s` doc json ttl | `d` doc '' '' | `i` doc by ttl (ttl in whole ms or '').
 * Returns `{'ok', {doc, version, …}, {doc, counter, …}}`, `{'conflict', doc, …}`, or
 * `{'nan' | 'overflow', doc}` when an increment cannot be applied (nothing written).
 */
export const ATOMIC = defineScript(
  'atomic',
  `
local now = now_ms()
local n = tonumber(ARGV[1])
local p = n + 1
local function arg() p = p + 1; return ARGV[p] end

local live = {}
local function current(i)
  local c = live[i]
  if c == nil then
    c = false
    local raw = redis.call('GET', KEYS[3 + i])
    if raw then
      local a = string.find(raw, ':', 1, true)
      local b = string.find(raw, ':', a + 1, true)
      local exp = string.sub(raw, a + 1, b - 1)
      if exp == '' or tonumber(exp) > now then
        c = { ver = string.sub(raw, 1, a - 1), exp = exp, json = string.sub(raw, b + 1) }
      end
    end
    live[i] = c
  end
  return c
end

local conflict, failed = { 'conflict' }, {}
for _ = 1, tonumber(arg()) do
  local i = tonumber(arg())
  local expected = arg()
  local c = current(i)
  local holds
  if expected == '-' then holds = not c else holds = c and ('=' .. c.ver) == expected end
  if not holds and not failed[i] then
    failed[i] = true
    conflict[#conflict + 1] = i
  end
end
if #conflict > 1 then return conflict end

local staged, order, counters = {}, {}, {}
local function stage(i, s)
  if staged[i] == nil then order[#order + 1] = i end
  staged[i] = s
end
for _ = 1, tonumber(arg()) do
  local op = arg()
  local i = tonumber(arg())
  local a, b = arg(), arg()
  if op == 's' then
    stage(i, { json = a, exp = (b == '' and '' or num(now + tonumber(b))) })
  elseif op == 'd' then
    stage(i, false)
  else
    local s = staged[i]
    if s == nil then
      local c = current(i)
      s = c and { json = c.json, exp = c.exp } or false
    end
    local base, exp = 0, (b == '' and '' or num(now + tonumber(b)))
    if s then
      base = tonumber(s.json)
      if base == nil then return { 'nan', i } end
      exp = s.exp
    end
    local value = base + tonumber(a)
    if value ~= value or value == math.huge or value == -math.huge then return { 'overflow', i } end
    local text = num(value)
    stage(i, { json = text, exp = exp })
    counters[i] = text
  end
end

local written = 0
for _, i in ipairs(order) do if staged[i] then written = written + 1 end end
local version = 0
if written > 0 then version = redis.call('INCRBY', KEYS[1], written) - written end
local versions = {}
for _, i in ipairs(order) do
  local s, key, name = staged[i], KEYS[3 + i], ARGV[1 + i]
  if s then
    version = version + 1
    local v = string.format('%d', version)
    if s.exp == '' then
      redis.call('SET', key, v .. '::' .. s.json)
      redis.call('ZREM', KEYS[3], name)
    else
      redis.call('SET', key, v .. ':' .. s.exp .. ':' .. s.json, 'PXAT', s.exp)
      redis.call('ZADD', KEYS[3], s.exp, name)
    end
    redis.call('ZADD', KEYS[2], 0, name)
    versions[#versions + 1] = i
    versions[#versions + 1] = v
  else
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[2], name)
    redis.call('ZREM', KEYS[3], name)
  end
end
local counted = {}
for i, text in pairs(counters) do
  counted[#counted + 1] = i
  counted[#counted + 1] = text
end

local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 64)
if #gone > 0 then
  redis.call('ZREM', KEYS[2], unpack(gone))
  redis.call('ZREM', KEYS[3], unpack(gone))
end
return { 'ok', versions, counted }
`,
)

/**
 * Removes index entries whose document is gone (expired, or deleted behind the driver's back).
 * KEYS: 1 document index, 2 expiry index, 2+i the document of ARGV[i].
 */
export const DROP_DEAD = defineScript(
  'dropDead',
  `
for i = 1, #ARGV do
  if redis.call('EXISTS', KEYS[2 + i]) == 0 then
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('ZREM', KEYS[2], ARGV[i])
  end
end
return 0
`,
)

/** Reads one document. @internal */
export async function getDocument<T>(
  ctx: RedisContext,
  ns: string,
  key: string,
): Promise<StorageEntry<T> | null> {
  assertName(key, 'key')
  const raw = await ctx.client.get(ctx.keys.doc(ns, key))
  return raw === null ? null : parseDocument<T>(key, raw)
}

/** Reads several documents with one `MGET`, aligned with `keys`. @internal */
export async function getDocuments<T>(
  ctx: RedisContext,
  ns: string,
  keys: readonly string[],
): Promise<(StorageEntry<T> | null)[]> {
  if (!Array.isArray(keys)) throw invalid('keys must be an array')
  for (const key of keys) assertName(key, 'key')
  if (keys.length === 0) return []
  const raws = await ctx.client.mget(keys.map((key) => ctx.keys.doc(ns, key)))
  return keys.map((key, i) => {
    const raw = raws[i]
    return raw == null ? null : parseDocument<T>(key, raw)
  })
}

/** Lists documents ordered by key (by their UTF-8 bytes, which is code point order). @internal */
export async function listDocuments<T>(
  ctx: RedisContext,
  ns: string,
  options: ListOptions,
): Promise<ListPage<T>> {
  const { prefix, cursor, limit } = options
  if (limit !== undefined) assertInteger(limit, 'limit', 1)
  if (prefix !== undefined && typeof prefix !== 'string') throw invalid('prefix must be a string')
  if (cursor !== undefined && typeof cursor !== 'string') throw invalid('cursor must be a string')
  const index = ctx.keys.index(ns)
  const start = prefix ? Buffer.from(prefix) : undefined
  // Keys with the prefix are exactly those in [prefix, prefix + 0xFF): no UTF-8 text holds 0xFF.
  const max: ScriptArg = start ? Buffer.concat([Buffer.from('('), start, Buffer.from([0xff])]) : '+'
  let min: ScriptArg = start ? Buffer.concat([Buffer.from('['), start]) : '-'
  if (cursor !== undefined && (start === undefined || Buffer.compare(Buffer.from(cursor), start) >= 0))
    min = `(${cursor}`

  // One more than the limit tells whether there is a next page.
  const wanted = limit === undefined ? Number.POSITIVE_INFINITY : limit + 1
  const found: [key: string, raw: string][] = []
  for (;;) {
    const count = Math.min(LIST_BATCH, wanted - found.length)
    const names = await ctx.client.zrangebylex(index, min, max, 'LIMIT', 0, count)
    if (names.length === 0) break
    const raws = await ctx.client.mget(names.map((name) => ctx.keys.doc(ns, name)))
    const dead: string[] = []
    names.forEach((name, i) => {
      const raw = raws[i]
      if (raw == null) dead.push(name)
      else found.push([name, raw])
    })
    if (dead.length > 0) await dropDead(ctx, ns, dead)
    if (names.length < count || found.length >= wanted) break
    min = `(${names[names.length - 1]!}`
  }
  const page = limit !== undefined && found.length > limit ? found.slice(0, limit) : found
  const entries = page.map(([key, raw]) => parseDocument<T>(key, raw))
  return page.length < found.length ? { entries, cursor: page[page.length - 1]![0] } : { entries }
}

/** Applies checks and mutations all-or-nothing, in one script call. @internal */
export async function commitAtomic(
  ctx: RedisContext,
  ns: string,
  operation: AtomicOperation,
): Promise<AtomicResult> {
  if (typeof operation !== 'object' || operation === null || !Array.isArray(operation.mutations))
    throw invalid('operation.mutations must be an array')
  const checks = operation.checks
  if (checks !== undefined && !Array.isArray(checks)) throw invalid('checks must be an array')

  // Every key is passed once, in KEYS; checks and mutations refer to it by position.
  const names: string[] = []
  const positions = new Map<string, string>()
  const ref = (key: string): string => {
    let position = positions.get(key)
    if (position === undefined) {
      names.push(key)
      position = String(names.length)
      positions.set(key, position)
    }
    return position
  }

  const mutationArgs: string[] = []
  for (const mutation of operation.mutations) {
    assertName(mutation?.key, 'mutation key')
    const { key } = mutation
    switch (mutation.type) {
      case 'set':
        if (mutation.ttlMs !== undefined) assertPositive(mutation.ttlMs, 'ttlMs')
        mutationArgs.push(
          's',
          ref(key),
          encodeJson(mutation.value, `The value of "${key}"`),
          ttlArg(mutation.ttlMs),
        )
        break
      case 'delete':
        mutationArgs.push('d', ref(key), '', '')
        break
      case 'increment':
        assertFinite(mutation.by, 'increment by')
        if (mutation.ttlMs !== undefined) assertPositive(mutation.ttlMs, 'ttlMs')
        mutationArgs.push('i', ref(key), numberText(mutation.by), ttlArg(mutation.ttlMs))
        break
      default:
        throw invalid(`Unknown mutation type ${JSON.stringify((mutation as { type?: unknown }).type)}`)
    }
  }
  const checkArgs: string[] = []
  for (const check of checks ?? []) {
    assertName(check?.key, 'check key')
    if (check.version !== null && typeof check.version !== 'string')
      throw invalid('check version must be a string or null')
    checkArgs.push(ref(check.key), check.version === null ? '-' : `=${check.version}`)
  }
  if (names.length === 0) return { ok: true, versions: {}, counters: {} }

  const keys = [
    ctx.keys.seq(ns),
    ctx.keys.index(ns),
    ctx.keys.expiries(ns),
    ...names.map((name) => ctx.keys.doc(ns, name)),
  ]
  const args = [
    String(names.length),
    ...names,
    String(checkArgs.length / 2),
    ...checkArgs,
    String(mutationArgs.length / 4),
    ...mutationArgs,
  ]
  const reply = (await runScript(ctx.client, ATOMIC, keys, args)) as [string, ...unknown[]]
  const nameAt = (position: unknown): string => names[Number(position) - 1]!
  switch (reply[0]) {
    case 'ok': {
      const [, versions, counters] = reply as [string, unknown[], unknown[]]
      const out: AtomicResult = { ok: true, versions: {}, counters: {} }
      for (let i = 0; i < versions.length; i += 2) out.versions[nameAt(versions[i])] = String(versions[i + 1])
      for (let i = 0; i < counters.length; i += 2) out.counters[nameAt(counters[i])] = Number(counters[i + 1])
      return out
    }
    case 'conflict':
      return { ok: false, conflicts: reply.slice(1).map(nameAt) }
    case 'nan': {
      const key = nameAt(reply[1])
      throw invalid(`Cannot increment "${key}": its value is not a number`, { key })
    }
    case 'overflow': {
      const key = nameAt(reply[1])
      throw invalid(`Incrementing "${key}" overflows`, { key })
    }
    default:
      throw new Error(`Unexpected reply of the atomic script: ${JSON.stringify(reply)}`)
  }
}

/** Drops the index entries of `names` whose document is really gone. */
async function dropDead(ctx: RedisContext, ns: string, names: readonly string[]): Promise<void> {
  const keys = [ctx.keys.index(ns), ctx.keys.expiries(ns), ...names.map((name) => ctx.keys.doc(ns, name))]
  await runScript(ctx.client, DROP_DEAD, keys, names)
}

function ttlArg(ttlMs: number | undefined): string {
  return ttlMs === undefined ? '' : String(wholeMs(ttlMs))
}

/** Parses a stored document `<version>:<expiresAt>:<json>`. @internal */
export function parseDocument<T>(key: string, raw: string): StorageEntry<T> {
  const first = raw.indexOf(':')
  const second = raw.indexOf(':', first + 1)
  const entry: StorageEntry<T> = {
    key,
    value: JSON.parse(raw.slice(second + 1)) as T,
    version: raw.slice(0, first),
  }
  const expiresAt = raw.slice(first + 1, second)
  if (expiresAt !== '') entry.expiresAt = Number(expiresAt)
  return entry
}
