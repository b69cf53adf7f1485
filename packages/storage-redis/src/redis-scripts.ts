/**
 * Lua scripts: how they are defined and called, and the helpers they share.
 *
 * Each script is sent by SHA1 (`EVALSHA`); only when the server answers `NOSCRIPT` (a fresh
 * server, a `SCRIPT FLUSH`, a failover, another Cluster node) is it sent once in full (`EVAL`),
 * which also caches it on that server for the next calls. The driver never mutates the ioredis
 * client (no `defineCommand`), so a client passed in by the application stays as it was.
 *
 * Cluster rule: every key a script reads or writes is passed in `KEYS` — scripts never build key
 * names — and all of them carry the namespace's hash tag, so they are in one slot.
 *
 * @internal
 * @module
 */
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

/** A Lua script and its SHA1, ready to be called. @internal */
export interface RedisScript {
  /** A name for errors and tests. */
  readonly name: string
  /** The full Lua source (prelude included). */
  readonly lua: string
  /** SHA1 of `lua`, as `EVALSHA` wants it. */
  readonly sha: string
}

/**
 * Helpers every script starts with.
 *
 * - `redis.replicate_commands()` makes Redis 6.2 replicate the effects of a script (the default
 *   since 5.0, and the only mode in 7), which is what lets a script read `TIME` and then write.
 * - `now_ms()` is the server clock in whole ms: every time rule (TTL, leases, `availableAt`, default
 *   scores and record times) uses this one clock, shared by every process of the deployment.
 * - `num(x)` prints a double as the shortest decimal text that reads back as the same double, so
 *   numbers computed in Lua reach JavaScript exactly.
 */
const PRELUDE = `
if redis.replicate_commands then redis.replicate_commands() end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function num(x)
  if x == 0 then return '0' end
  for p = 15, 16 do
    local s = string.format('%.' .. p .. 'g', x)
    if tonumber(s) == x then return s end
  end
  return string.format('%.17g', x)
end
`

/** Defines a script: the prelude, then `body`. @internal */
export function defineScript(name: string, body: string): RedisScript {
  const lua = `${PRELUDE}${body}`
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') }
}

/** A script argument. @internal */
export type ScriptArg = string | Buffer

/**
 * Runs a script in one round trip: `EVALSHA`, and `EVAL` only when the server does not know the
 * script yet. @internal
 */
export async function runScript(
  client: Redis,
  script: RedisScript,
  keys: readonly string[],
  args: readonly ScriptArg[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!isNoScript(error)) throw error
    return await client.eval(script.lua, keys.length, ...keys, ...args)
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT')
}
