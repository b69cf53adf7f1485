import { Buffer } from 'node:buffer'
import type { AddressInfo } from 'node:net'
import { LeadCallError, silentLogger } from '@leadcall/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WebSocketServer } from 'ws'
import { backoffDelay } from './ari-backoff.js'
import { type AriEventSocket, createAriEventSocket, type SocketTimers } from './ari-event-socket.js'
import { type AriServer, startAriServer } from './ari-server.test-util.js'
import { PASSWORD, USERNAME, until } from './asterisk-fixtures.test-util.js'

/** Timers that only run when the test fires them. */
function manualTimers() {
  let next = 0
  const pending = new Map<number, { callback: () => void; ms: number; repeat: boolean }>()
  const timers: SocketTimers = {
    setTimeout: (callback, ms) => {
      pending.set(++next, { callback, ms, repeat: false })
      return next
    },
    clearTimeout: (handle) => void pending.delete(handle as number),
    setInterval: (callback, ms) => {
      pending.set(++next, { callback, ms, repeat: true })
      return next
    },
    clearInterval: (handle) => void pending.delete(handle as number),
  }
  return {
    timers,
    /** The delays of the pending one-shot timers (ready() timeouts excluded by `ms`). */
    retries: (): number[] => [...pending.values()].filter((t) => !t.repeat && t.ms < 60_000).map((t) => t.ms),
    count: (): number => pending.size,
    /** Runs the pending reconnect timer. */
    fireRetry(): void {
      const entry = [...pending.entries()].find(([, t]) => !t.repeat && t.ms < 60_000)
      if (!entry) throw new Error('no retry pending')
      pending.delete(entry[0])
      entry[1].callback()
    },
    /** Runs the keep-alive interval once. */
    fireInterval(): void {
      const entry = [...pending.values()].find((t) => t.repeat)
      if (!entry) throw new Error('no interval pending')
      entry.callback()
    },
  }
}

let server: AriServer
const sockets: AriEventSocket[] = []

beforeAll(async () => {
  server = await startAriServer({ username: USERNAME, password: PASSWORD })
})
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.close()))
  server.reset()
})
afterAll(async () => {
  await server.close()
})

const BACKOFF = { initialDelayMs: 400, maxDelayMs: 1000 }

function socket(
  clock: ReturnType<typeof manualTimers>,
  extra: { password?: string; keepAliveMs?: number; url?: string } = {},
) {
  const frames: string[] = []
  const opens: boolean[] = []
  const created = createAriEventSocket({
    url: () => extra.url ?? `${server.url.replace('http', 'ws')}/ari/events?app=leadcall&subscribeAll=false`,
    headers: () => ({
      Authorization: `Basic ${Buffer.from(`${USERNAME}:${extra.password ?? PASSWORD}`).toString('base64')}`,
    }),
    handshakeTimeoutMs: 5_000,
    keepAliveMs: extra.keepAliveMs ?? 0,
    backoff: BACKOFF,
    random: () => 0,
    timers: clock.timers,
    onMessage: (text) => void frames.push(text),
    onOpen: ({ reconnected }) => void opens.push(reconnected),
    logger: silentLogger,
  })
  sockets.push(created)
  return { socket: created, frames, opens }
}

describe('the ARI events WebSocket', () => {
  it('connects with Basic auth and the ari subprotocol, and passes frames on', async () => {
    const clock = manualTimers()
    const { socket: ws, frames, opens } = socket(clock)
    await ws.ready(undefined, 60_000)
    expect(ws.connected).toBe(true)
    expect(opens).toEqual([false])
    expect(server.requests.find((r) => r.websocket)?.protocols).toEqual(['ari'])
    server.emit({ type: 'StasisStart', args: [], channel: { id: 'c1' } })
    await until(() => frames.length === 1)
    expect(JSON.parse(frames[0] ?? '{}')).toMatchObject({ type: 'StasisStart', application: 'leadcall' })
  })

  it('reconnects after a drop with growing, capped delays, and resets them once connected', async () => {
    const clock = manualTimers()
    const { socket: ws, opens } = socket(clock)
    await ws.ready(undefined, 60_000)
    server.refuseUpgrades()
    server.dropConnections()
    await until(() => clock.retries().length === 1)
    const delays = [clock.retries()[0]]
    for (let i = 0; i < 3; i++) {
      const attempts = server.upgrades()
      clock.fireRetry()
      await server.waitFor(() => server.upgrades() > attempts)
      await until(() => clock.retries().length === 1)
      delays.push(clock.retries()[0])
    }
    // random() = 0 keeps half the ceiling: 400, 800, 1000 (capped), 1000 → 200, 400, 500, 500.
    expect(delays).toEqual([0, 1, 2, 3].map((attempt) => backoffDelay(attempt, BACKOFF, () => 0)))
    expect(delays).toEqual([200, 400, 500, 500])
    server.refuseUpgrades(false)
    clock.fireRetry()
    await until(() => ws.connected)
    expect(opens).toEqual([false, true])
    server.dropConnections()
    await until(() => clock.retries().length === 1)
    expect(clock.retries()).toEqual([200])
  })

  it('ready() connects at once during a backoff, and rejects with the reason when that attempt fails', async () => {
    const clock = manualTimers()
    const { socket: ws } = socket(clock)
    await ws.ready(undefined, 60_000)
    server.refuseUpgrades()
    server.dropConnections()
    await until(() => clock.retries().length === 1)
    const error = await ws.ready(undefined, 60_000).catch((e: unknown) => e)
    expect(LeadCallError.isInstance(error) && error.code).toBe('CALL_FAILED')
    expect(String((error as Error).message)).toContain('503')
    server.refuseUpgrades(false)
    await ws.ready(undefined, 60_000)
    expect(ws.connected).toBe(true)
  })

  it('a 401 rejects ready() with a configuration error free of the secret, and keeps retrying', async () => {
    const clock = manualTimers()
    const { socket: ws } = socket(clock, { password: 'wrong-password-123' })
    const error = await ws.ready(undefined, 60_000).catch((e: unknown) => e)
    expect(LeadCallError.isInstance(error)).toBe(true)
    expect((error as LeadCallError).retryable).toBe(false)
    expect((error as LeadCallError).message).toMatch(/credentials \(401\).*ari\.conf/)
    expect(JSON.stringify(error)).not.toContain('wrong-password-123')
    await until(() => clock.retries().length === 1)
  })

  it('rejects ready() with the signal reason when it aborts', async () => {
    const clock = manualTimers()
    const { socket: ws } = socket(clock)
    const controller = new AbortController()
    const reason = new Error('stop')
    controller.abort(reason)
    await expect(ws.ready(controller.signal, 60_000)).rejects.toBe(reason)
  })

  it('close() leaves no timer, no connection, and never reconnects', async () => {
    const clock = manualTimers()
    const { socket: ws } = socket(clock)
    await ws.ready(undefined, 60_000)
    server.refuseUpgrades()
    server.dropConnections()
    await until(() => clock.retries().length === 1)
    await ws.close()
    expect(clock.count()).toBe(0)
    expect(server.connections()).toBe(0)
    const upgrades = server.upgrades()
    ws.start()
    await expect(ws.ready(undefined, 60_000)).rejects.toSatisfy(LeadCallError.isInstance)
    expect(server.upgrades()).toBe(upgrades)
    expect(clock.count()).toBe(0)
  })

  it('close() of an open socket closes it and clears the keep-alive', async () => {
    const clock = manualTimers()
    const { socket: ws } = socket(clock, { keepAliveMs: 10_000 })
    await ws.ready(undefined, 60_000)
    expect(clock.count()).toBe(1)
    await ws.close()
    expect(clock.count()).toBe(0)
    await server.waitFor(() => server.connections() === 0)
  })
})

describe('the keep-alive', () => {
  let silent: WebSocketServer
  let port = 0
  beforeAll(async () => {
    // A server that never answers pings, like a dead connection.
    silent = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: false })
    await new Promise<void>((resolve) => silent.once('listening', resolve))
    port = (silent.address() as AddressInfo).port
  })
  afterAll(async () => {
    for (const client of silent.clients) client.terminate()
    await new Promise<void>((resolve) => silent.close(() => resolve()))
  })

  it('drops a connection that misses a pong and reconnects', async () => {
    const clock = manualTimers()
    const { socket: ws } = socket(clock, { keepAliveMs: 10_000, url: `ws://127.0.0.1:${port}/ari/events` })
    await ws.ready(undefined, 60_000)
    clock.fireInterval() // ping
    clock.fireInterval() // no pong since: drop
    await until(() => !ws.connected && clock.retries().length === 1)
    clock.fireRetry()
    await until(() => ws.connected)
  })
})
