/**
 * The priority queues of the Redis driver.
 *
 * Each queue is five keys of its namespace (see `redis-keys.ts`): the items hash `qi` and four
 * sorted sets. Every item is in `qo` (all items, for `listQueue`) and in exactly one of:
 *
 * - `qr`, **ready**: claimable now, in queue order; a claim pops from its front (`ZPOPMIN`);
 * - `qd`, **delayed**: scored by `availableAt`; moved to `qr` by the next claim after that time;
 * - `ql`, **leased**: scored by the lease's end; moved back to `qr` by the next claim after it.
 *
 * ## Queue order as a lexicographic member
 *
 * The order is priority, then score, then enqueue order. A sorted-set score is one double, and no
 * arithmetic packing of three numbers into one double is exact (a score of `Date.now()` alone
 * already takes 41 bits, and any double is allowed). So `qo` and `qr` give every member the score 0
 * and put the order in the member itself, which Redis then sorts bytewise:
 *
 * `member = E(priority) E(score) E(seq) id`, where `E(x)` is 16 hex digits of the double `x`
 * mapped to an unsigned integer that sorts like the double (IEEE-754 bits with the sign bit set for
 * positives, all bits inverted for negatives; `-0` counts as `0`). Fixed width makes bytewise order
 * equal numeric order field by field, `seq` (from the namespace counter) makes members unique and
 * breaks ties by enqueue order, and the id is the rest of the member (after 48 characters). The
 * encoding is exact for every finite double, costs 48 bytes per member, and keeps claim, insert and
 * remove at O(log n). `qd` and `ql` use real scores (times, which doubles hold exactly) with the same
 * members, so waking an item moves the member as it is.
 *
 * An item is stored in `qi` as
 * `<E-prefix>|<priority>|<score>|<availableAt>|<enqueuedAt>|<attempts>|<token>|<leaseEnd>\n<payload>`:
 * numbers as the decimal text they were given in (or that Lua printed exactly), the payload as its
 * JSON text, never parsed by Lua.
 *
 * Every operation is one script (one round trip, atomic). A lease is held while its token matches
 * and its end is after the server's `now`; an expired lease is simply no longer held, even before a
 * claim moves the item back to `qr`.
 *
 * @internal
 * @module
 */
import { randomBytes } from 'node:crypto'
import type {
  ClaimedItem,
  ClaimOptions,
  EnqueueInput,
  ListQueueOptions,
  QueueItem,
  QueueItemPatch,
  ReleaseOptions,
} from '@leadcall/core'
import type { RedisContext } from './redis-context.js'
import type { QueueKeys } from './redis-keys.js'
import { defineScript, type RedisScript, runScript } from './redis-scripts.js'
import {
  assertFinite,
  assertInteger,
  assertName,
  assertPositive,
  encodeJson,
  numberText,
  optionalNumber,
} from './redis-support.js'

/**
 * Helpers of every queue script. KEYS, always in this order: 1 items, 2 order (all), 3 ready,
 * 4 delayed, 5 leases, 6 namespace counter.
 */
const QUEUE_LIB = `
local function enc(x)
  if x == 0 then x = 0 end
  local b = { string.byte(struct.pack('>d', x), 1, 8) }
  if b[1] >= 128 then
    for k = 1, 8 do b[k] = 255 - b[k] end
  else
    b[1] = b[1] + 128
  end
  return string.format('%02x%02x%02x%02x%02x%02x%02x%02x', b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8])
end
local function load(id)
  local raw = redis.call('HGET', KEYS[1], id)
  if not raw then return nil end
  local nl = string.find(raw, '\\n', 1, true)
  local meta = string.sub(raw, 1, nl - 1)
  local f, s = {}, 1
  for k = 1, 7 do
    local e = string.find(meta, '|', s, true)
    f[k] = string.sub(meta, s, e - 1)
    s = e + 1
  end
  f[8] = string.sub(meta, s)
  f.payload = string.sub(raw, nl + 1)
  return f
end
local function save(id, f)
  local raw = table.concat({ f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8] }, '|') .. '\\n' .. f.payload
  redis.call('HSET', KEYS[1], id, raw)
  return raw
end
local function leased(f, now)
  return f[7] ~= '' and tonumber(f[8]) > now
end
local function held(f, token, now)
  return f ~= nil and f[7] == token and leased(f, now)
end
local function unplace(member)
  redis.call('ZREM', KEYS[2], member)
  redis.call('ZREM', KEYS[3], member)
  redis.call('ZREM', KEYS[4], member)
  redis.call('ZREM', KEYS[5], member)
end
local function place(member, f, now)
  redis.call('ZADD', KEYS[2], 0, member)
  if tonumber(f[4]) <= now then
    redis.call('ZADD', KEYS[3], 0, member)
  else
    redis.call('ZADD', KEYS[4], f[4], member)
  end
end
local function reorder(f, priority, score)
  if priority == '' and score == '' then return end
  if priority ~= '' then f[2] = priority end
  if score ~= '' then f[3] = score end
  f[1] = enc(tonumber(f[2])) .. enc(tonumber(f[3])) .. string.sub(f[1], 33, 48)
end
`

function queueScript(name: string, body: string): RedisScript {
  return defineScript(name, `${QUEUE_LIB}${body}`)
}

/** ARGV: id, priority, score or '', availableAt or '', payload. Returns the stored item. */
export const ENQUEUE = queueScript(
  'enqueue',
  `
local now = now_ms()
local id = ARGV[1]
local f = load(id)
local enqueuedAt, attempts = num(now), '0'
if f then
  unplace(f[1] .. id)
  enqueuedAt, attempts = f[5], f[6]
end
local score = ARGV[3] ~= '' and ARGV[3] or num(now)
local seq = redis.call('INCR', KEYS[6])
local g = {
  enc(tonumber(ARGV[2])) .. enc(tonumber(score)) .. enc(seq), ARGV[2], score,
  (ARGV[4] ~= '' and ARGV[4] or num(now)), enqueuedAt, attempts, '', '', payload = ARGV[5]
}
local raw = save(id, g)
place(g[1] .. id, g, now)
return raw
`,
)

/** ARGV: leaseMs, limit, token base. Returns now, then id and stored item per claimed item. */
export const CLAIM = queueScript(
  'claim',
  `
local now = now_ms()
local function wake(from)
  while true do
    local due = redis.call('ZRANGEBYSCORE', from, '-inf', now, 'LIMIT', 0, 1000)
    if #due == 0 then return end
    for _, member in ipairs(due) do redis.call('ZADD', KEYS[3], 0, member) end
    redis.call('ZREM', from, unpack(due))
  end
end
wake(KEYS[4])
wake(KEYS[5])
local popped = redis.call('ZPOPMIN', KEYS[3], ARGV[2])
local ends = num(now + tonumber(ARGV[1]))
local out = { num(now) }
for k = 1, #popped, 2 do
  local member = popped[k]
  local id = string.sub(member, 49)
  local f = load(id)
  f[6] = num(tonumber(f[6]) + 1)
  f[7] = ARGV[3] .. '.' .. string.format('%d', (k + 1) / 2)
  f[8] = ends
  out[#out + 1] = id
  out[#out + 1] = save(id, f)
  redis.call('ZADD', KEYS[5], ends, member)
end
return out
`,
)

/** ARGV: id, token. Returns 1 when acked. */
export const ACK = queueScript(
  'ack',
  `
local f = load(ARGV[1])
if not held(f, ARGV[2], now_ms()) then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
unplace(f[1] .. ARGV[1])
return 1
`,
)

/** ARGV: id, token, availableAt or '', priority or '', score or ''. Returns 1 when released. */
export const RELEASE = queueScript(
  'release',
  `
local now = now_ms()
local id = ARGV[1]
local f = load(id)
if not held(f, ARGV[2], now) then return 0 end
unplace(f[1] .. id)
reorder(f, ARGV[4], ARGV[5])
f[4] = ARGV[3] ~= '' and ARGV[3] or num(now)
f[7], f[8] = '', ''
save(id, f)
place(f[1] .. id, f, now)
return 1
`,
)

/** ARGV: id, token, leaseMs. Returns 1 when extended. */
export const EXTEND_LEASE = queueScript(
  'extendLease',
  `
local now = now_ms()
local f = load(ARGV[1])
if not held(f, ARGV[2], now) then return 0 end
f[8] = num(now + tonumber(ARGV[3]))
save(ARGV[1], f)
redis.call('ZADD', KEYS[5], f[8], f[1] .. ARGV[1])
return 1
`,
)

/**
 * ARGV: id, priority or '', score or '', availableAt or '', payload or ''. Returns now and the
 * stored item, or nil when absent or leased.
 */
export const UPDATE = queueScript(
  'updateQueued',
  `
local now = now_ms()
local id = ARGV[1]
local f = load(id)
if f == nil or leased(f, now) then return false end
unplace(f[1] .. id)
reorder(f, ARGV[2], ARGV[3])
if ARGV[4] ~= '' then f[4] = ARGV[4] end
if ARGV[5] ~= '' then f.payload = ARGV[5] end
f[7], f[8] = '', ''
local raw = save(id, f)
place(f[1] .. id, f, now)
return { num(now), raw }
`,
)

/** ARGV: id. Returns 1 when removed. */
export const REMOVE = queueScript(
  'removeQueued',
  `
local f = load(ARGV[1])
if f == nil then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
unplace(f[1] .. ARGV[1])
return 1
`,
)

/** ARGV: id. Returns now and the stored item (nil when absent). */
export const GET_ITEM = queueScript(
  'getQueued',
  `
return { num(now_ms()), redis.call('HGET', KEYS[1], ARGV[1]) }
`,
)

/** ARGV: offset, limit. Returns now, then id and stored item per item in queue order. */
export const LIST_ITEMS = queueScript(
  'listQueue',
  `
local first = tonumber(ARGV[1])
local members = redis.call('ZRANGE', KEYS[2], first, first + tonumber(ARGV[2]) - 1)
local out = { num(now_ms()) }
for _, member in ipairs(members) do
  local id = string.sub(member, 49)
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[1], id)
end
return out
`,
)

/** ARGV: id. Returns the item's 1-based position in queue order, or nil when absent. */
export const POSITION = queueScript(
  'queuePosition',
  `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return nil end
local rank = redis.call('ZRANK', KEYS[2], string.sub(raw, 1, 48) .. ARGV[1])
if not rank then return nil end
return rank + 1
`,
)

/** The operations of one queue, bound to its keys. @internal */
export class RedisQueue {
  private readonly keys: string[]

  constructor(
    private readonly ctx: RedisContext,
    keys: QueueKeys,
  ) {
    this.keys = [keys.items, keys.order, keys.ready, keys.delayed, keys.leases, keys.seq]
  }

  /** Adds an item, or replaces the one with the same id. */
  async enqueue<T>(input: EnqueueInput<T>): Promise<QueueItem<T>> {
    assertName(input?.id, 'item id')
    assertFinite(input.priority, 'priority')
    if (input.score !== undefined) assertFinite(input.score, 'score')
    if (input.availableAt !== undefined) assertFinite(input.availableAt, 'availableAt')
    const payload = encodeJson(input.payload, `The payload of "${input.id}"`)
    const raw = (await this.run(ENQUEUE, [
      input.id,
      numberText(input.priority),
      optionalNumber(input.score),
      optionalNumber(input.availableAt),
      payload,
    ])) as string
    return parseItem<T>(input.id, raw, Number.NEGATIVE_INFINITY)
  }

  /** Leases up to `limit` available items, in queue order. */
  async claim<T>(options: ClaimOptions): Promise<ClaimedItem<T>[]> {
    assertPositive(options?.leaseMs, 'leaseMs')
    const limit = options.limit ?? 1
    assertInteger(limit, 'limit', 1)
    // One random secret per claim; each item's token is the secret plus its position.
    const token = randomBytes(16).toString('hex')
    const reply = (await this.run(CLAIM, [numberText(options.leaseMs), String(limit), token])) as string[]
    return parseItems<T>(reply) as ClaimedItem<T>[]
  }

  /** Removes a leased item when `token` still holds it. */
  async ack(id: string, token: string): Promise<boolean> {
    if (!isName(id) || !isName(token)) return false
    return (await this.run(ACK, [id, token])) === 1
  }

  /** Puts a leased item back when `token` still holds it. */
  async release(id: string, token: string, options: ReleaseOptions): Promise<boolean> {
    if (options.availableAt !== undefined) assertFinite(options.availableAt, 'availableAt')
    if (options.priority !== undefined) assertFinite(options.priority, 'priority')
    if (options.score !== undefined) assertFinite(options.score, 'score')
    if (!isName(id) || !isName(token)) return false
    const reply = await this.run(RELEASE, [
      id,
      token,
      optionalNumber(options.availableAt),
      optionalNumber(options.priority),
      optionalNumber(options.score),
    ])
    return reply === 1
  }

  /** Makes the lease of `token` end `leaseMs` from now. */
  async extendLease(id: string, token: string, leaseMs: number): Promise<boolean> {
    assertPositive(leaseMs, 'leaseMs')
    if (!isName(id) || !isName(token)) return false
    return (await this.run(EXTEND_LEASE, [id, token, numberText(leaseMs)])) === 1
  }

  /** Reads one item. */
  async get<T>(id: string): Promise<QueueItem<T> | null> {
    if (!isName(id)) return null
    const [now, raw] = (await this.run(GET_ITEM, [id])) as [string, string | null]
    return raw == null ? null : parseItem<T>(id, raw, Number(now))
  }

  /** Changes a waiting item; `null` when absent or leased. */
  async update<T>(id: string, patch: QueueItemPatch<T>): Promise<QueueItem<T> | null> {
    if (patch.priority !== undefined) assertFinite(patch.priority, 'priority')
    if (patch.score !== undefined) assertFinite(patch.score, 'score')
    if (patch.availableAt !== undefined) assertFinite(patch.availableAt, 'availableAt')
    const payload = patch.payload === undefined ? '' : encodeJson(patch.payload, `The payload of "${id}"`)
    if (!isName(id)) return null
    const reply = (await this.run(UPDATE, [
      id,
      optionalNumber(patch.priority),
      optionalNumber(patch.score),
      optionalNumber(patch.availableAt),
      payload,
    ])) as [string, string] | null
    return reply === null ? null : parseItem<T>(id, reply[1], Number(reply[0]))
  }

  /** Removes an item, claimed or not. */
  async remove(id: string): Promise<boolean> {
    if (!isName(id)) return false
    return (await this.run(REMOVE, [id])) === 1
  }

  /** Items in queue order, claimed ones included. */
  async list<T>(options: ListQueueOptions): Promise<QueueItem<T>[]> {
    const offset = options.offset ?? 0
    const limit = options.limit ?? 100
    assertInteger(offset, 'offset', 0)
    assertInteger(limit, 'limit', 1)
    const reply = (await this.run(LIST_ITEMS, [String(offset), String(limit)])) as string[]
    return parseItems<T>(reply)
  }

  /** The 1-based position of an item in queue order (claimed ones included), or `null`. */
  async position(id: string): Promise<number | null> {
    if (!isName(id)) return null
    const reply = await this.run(POSITION, [id])
    return reply === null ? null : Number(reply)
  }

  /** How many items the queue holds, claimed ones included. */
  async size(): Promise<number> {
    return this.ctx.client.hlen(this.keys[0]!)
  }

  private run(script: RedisScript, args: string[]): Promise<unknown> {
    return runScript(this.ctx.client, script, this.keys, args)
  }
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}

/** Parses `[now, id, item, id, item, …]`. */
function parseItems<T>(reply: string[]): QueueItem<T>[] {
  const now = Number(reply[0])
  const items: QueueItem<T>[] = []
  for (let i = 1; i < reply.length; i += 2) items.push(parseItem<T>(reply[i]!, reply[i + 1]!, now))
  return items
}

/** Parses a stored item; its lease shows only while it runs past `now`. */
function parseItem<T>(id: string, raw: string, now: number): QueueItem<T> {
  const newline = raw.indexOf('\n')
  const meta = raw.slice(0, newline).split('|')
  const item: QueueItem<T> = {
    id,
    priority: Number(meta[1]),
    score: Number(meta[2]),
    availableAt: Number(meta[3]),
    enqueuedAt: Number(meta[4]),
    attempts: Number(meta[5]),
    payload: JSON.parse(raw.slice(newline + 1)) as T,
  }
  const token = meta[6]!
  const expiresAt = Number(meta[7])
  if (token !== '' && expiresAt > now) item.lease = { token, expiresAt }
  return item
}
