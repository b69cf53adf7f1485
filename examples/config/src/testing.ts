/**
 * What the examples' tests share to run against real Redis and PostgreSQL servers: where they
 * are, whether they answer (through `serviceGate`: skipped with a message when absent, failing
 * under `CI=true`), and removing what a test run wrote.
 *
 * @module
 */
export { computeTwilioSignature } from '@leadcall/twilio'

import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { serviceGate } from '@leadcall/core/testing'
import { postgresStorage } from '@leadcall/postgres'
import { describe, it } from 'vitest'

/** The Redis server of the tests: `REDIS_URL`, or the local default. */
export const REDIS_TEST_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379'
/** The PostgreSQL server of the tests: `DATABASE_URL`, or the local default. */
export const DATABASE_TEST_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'

/** A name no other test run uses, e.g. `lc_example_3f9a0c1b2d4e`. */
export function uniqueName(label: string): string {
  return `lc_${label}_${randomBytes(6).toString('hex')}`
}

function encode(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`
}

/** Reads one RESP reply at `offset` (errors, simple strings, integers, bulk strings); `null` if incomplete. */
function readReply(
  buffer: string,
  offset: number,
): { value: string | number | Error | null; next: number } | null {
  const end = buffer.indexOf('\r\n', offset)
  if (end === -1) return null
  const type = buffer[offset]
  const line = buffer.slice(offset + 1, end)
  if (type === '+') return { value: line, next: end + 2 }
  if (type === '-') return { value: new Error(line), next: end + 2 }
  if (type === ':') return { value: Number(line), next: end + 2 }
  if (type === '$') {
    const length = Number(line)
    if (length < 0) return { value: null, next: end + 2 }
    if (buffer.length < end + 2 + length + 2) return null
    return { value: buffer.slice(end + 2, end + 2 + length), next: end + 2 + length + 2 }
  }
  throw new Error(`Unexpected Redis reply type ${JSON.stringify(type)}`)
}

/**
 * Sends commands to the Redis server at `url` (with its password and database, when the URL has
 * them) over one connection and returns the reply of the last one. Replies that are arrays are not
 * read: enough for `PING` and `EVAL` returning a number.
 */
export function redisCommand(url: string, args: readonly string[], signal?: AbortSignal): Promise<unknown> {
  const target = new URL(url)
  const commands: string[][] = []
  if (target.password !== '')
    commands.push(
      target.username !== ''
        ? ['AUTH', decodeURIComponent(target.username), decodeURIComponent(target.password)]
        : ['AUTH', decodeURIComponent(target.password)],
    )
  const db = target.pathname.replace(/^\//, '')
  if (db !== '') commands.push(['SELECT', db])
  commands.push([...args])
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port || 6379) })
    let received = ''
    const replies: unknown[] = []
    const fail = (error: unknown) => {
      socket.destroy()
      reject(error)
    }
    signal?.addEventListener('abort', () => fail(signal.reason), { once: true })
    socket.setEncoding('utf8')
    socket.on('error', fail)
    socket.on('connect', () => socket.write(commands.map(encode).join('')))
    socket.on('data', (chunk: string) => {
      received += chunk
      let reply = readReply(received, 0)
      while (reply !== null) {
        if (reply.value instanceof Error) return fail(reply.value)
        replies.push(reply.value)
        received = received.slice(reply.next)
        reply = received === '' ? null : readReply(received, 0)
      }
      if (replies.length === commands.length) {
        socket.end()
        resolve(replies.at(-1))
      }
    })
  })
}

/** `false` when Redis answers `PING`, else why the suite is skipped (rejects under `CI=true`). */
export function redisGate(url: string = REDIS_TEST_URL): Promise<string | false> {
  return serviceGate({
    name: 'Redis',
    target: url,
    probe: (signal) => redisCommand(url, ['PING'], signal),
    howToStart: 'docker run --rm -p 6379:6379 redis:7',
  })
}

/** `false` when PostgreSQL answers, else why the suite is skipped (rejects under `CI=true`). */
export function postgresGate(url: string = DATABASE_TEST_URL): Promise<string | false> {
  return serviceGate({
    name: 'PostgreSQL',
    target: url,
    probe: async () => {
      const storage = postgresStorage({
        connectionString: url,
        connectionTimeoutMs: 2_000,
        sweepIntervalMs: false,
      })
      try {
        await storage.pool.query('SELECT 1')
      } finally {
        await storage.close()
      }
    },
    howToStart: 'docker run --rm -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16',
  })
}

/**
 * `describe(name, body)` when `skip` is `false`; otherwise a skipped suite named by the reason
 * (what is missing and how to start it), so that the skip is visible in the report.
 */
export function describeWith(skip: string | false, name: string, body: () => void): void {
  if (skip === false) describe(name, body)
  else describe.skip(skip, () => it(name, () => {}))
}

const DROP_SCRIPT = `
local removed = 0
local cursor = '0'
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do
    redis.call('UNLINK', key)
    removed = removed + 1
  end
until cursor == '0'
return removed`

/** Removes every key of the Redis storage prefix `prefix` (a test run's own); returns how many. */
export async function dropRedisPrefix(url: string, prefix: string): Promise<number> {
  if (!/^[A-Za-z0-9_-]+$/.test(prefix)) throw new Error(`Refusing to drop the unusual prefix ${prefix}`)
  return Number(await redisCommand(url, ['EVAL', DROP_SCRIPT, '0', `${prefix}:*`]))
}

/** Drops the PostgreSQL schema `schema` (a test run's own) and everything in it. */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  if (!/^lc_[a-z0-9_]+$/.test(schema)) throw new Error(`Refusing to drop the schema ${schema}`)
  const storage = postgresStorage({ connectionString: url, sweepIntervalMs: false })
  try {
    await storage.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await storage.close()
  }
}
