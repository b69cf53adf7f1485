/**
 * The parent side of a scale-out run: starts worker processes on one shared store, spreads leads
 * across them, and plays the telephony provider they all dial through (the "hub"): it counts every
 * dial by attempt id (a repeated attempt id is answered with the first call, as an idempotent
 * provider does), plays each call's ringing → answered → completed, and delivers those events like
 * webhooks behind a load balancer — to any live worker, again to another one if that worker dies
 * before handling them.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { CallEvent } from '@leadcall/core'
import type { DriverName, FromWorker, ToWorker, WorkerSettings } from './protocol.js'

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  driver: DriverName
  url: string
  scope: string
  tenant: string
  workers: number
  leaseMs?: number
  pollMs?: number
  /** Time between a call's events (ms). */
  ringMs?: number
  /** Conversation time (ms). */
  talkMs?: number
  /** Delay each worker adds before its dial requests leave it (ms). */
  dialDelayMs?: (worker: number) => number
  /**
   * Deliver a call's events to the worker that dialed it while it lives (a load balancer with
   * session affinity); any live worker otherwise. Default: any live worker, round robin.
   */
  stickyEvents?: boolean
}

/** One placed call, as the hub saw it. */
export interface HubCall {
  attemptId: string
  processId: string
  agentId: string
  worker: number
  providerCallId: string
}

interface Delivery {
  event: CallEvent
  worker: number
  done: () => void
}

/** A running cluster: see {@link startCluster}. */
export interface Cluster {
  /** Calls placed, one per distinct attempt id. */
  readonly calls: Map<string, HubCall>
  /** What became of each call's events, by provider call id: `type@worker:applied|ignored`. */
  readonly eventLog: Map<string, string[]>
  /** Dial requests that repeated an attempt id (answered with the first call, no second call). */
  readonly repeatedDials: number
  /** Agent assignments per process, as the workers reported them. */
  readonly assigned: Map<string, string[]>
  readonly completed: Set<string>
  readonly failed: Map<string, string>
  /** Errors the workers reported (unhandled rejections, failed event handling). */
  readonly errors: string[]
  /** Submits a lead to a worker (round-robin over the live ones when `worker` is absent). */
  submit(
    lead: Record<string, unknown>,
    worker?: number,
  ): Promise<{ processId?: string; status?: string; error?: string }>
  /**
   * Submits `count` leads across the live workers, `inFlight` at a time (a steady stream of
   * concurrent webhooks rather than one burst); resolves with every result, in order.
   */
  submitAll(
    count: number,
    inFlight: number,
    lead: (i: number) => Record<string, unknown>,
  ): Promise<{ processId?: string; status?: string; code?: string; error?: string }[]>
  /** Kills a worker with SIGKILL, as a crash would. */
  kill(worker: number): Promise<void>
  /** Whether a worker is alive. */
  alive(worker: number): boolean
  /** Resolves when `done()` holds, polling every 50 ms; rejects after `timeoutMs`. */
  waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void>
  /** Stops every live worker. */
  stop(): Promise<void>
}

const WORKER_PATH = fileURLToPath(new URL('./worker.ts', import.meta.url))
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url))

/** Starts the workers and resolves once each has its app up. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const ringMs = options.ringMs ?? 20
  const talkMs = options.talkMs ?? 50
  const children: (ChildProcess | undefined)[] = []
  const calls = new Map<string, HubCall>()
  const assigned = new Map<string, string[]>()
  const completed = new Set<string>()
  const failed = new Map<string, string>()
  const errors: string[] = []
  const submissions = new Map<
    number,
    (result: { processId?: string; status?: string; error?: string }) => void
  >()
  const deliveries = new Map<number, Delivery>()
  let repeatedDials = 0
  const eventLog = new Map<string, string[]>()
  let nextSubmission = 0
  let nextDelivery = 0
  let nextCall = 0
  let turn = 0

  const running = (child: ChildProcess | undefined): child is ChildProcess =>
    child !== undefined && child.exitCode === null && child.signalCode === null && !child.killed
  const live = () => children.flatMap((child, i) => (running(child) ? [i] : []))
  const pick = (): number => {
    const ids = live()
    if (ids.length === 0) throw new Error('no live worker')
    return ids[turn++ % ids.length]!
  }
  const post = (worker: number, message: ToWorker) => children[worker]?.send(message)

  /** Delivers one event to a live worker; resolves once a worker handled it. */
  const deliver = (event: CallEvent, dialer: number): Promise<void> =>
    new Promise((resolve) => {
      const id = nextDelivery++
      const worker = options.stickyEvents && live().includes(dialer) ? dialer : pick()
      deliveries.set(id, { event, worker, done: resolve })
      post(worker, { type: 'event', delivery: id, event })
    })

  const play = async (call: HubCall) => {
    const event = (type: CallEvent['type'], extra: Partial<CallEvent> = {}): CallEvent => ({
      provider: 'hub',
      type,
      providerCallId: call.providerCallId,
      attemptId: call.attemptId,
      processId: call.processId,
      at: new Date().toISOString(),
      ...extra,
    })
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    await sleep(ringMs)
    await deliver(event('ringing'), call.worker)
    await sleep(ringMs)
    await deliver(event('answered'), call.worker)
    await sleep(talkMs)
    await deliver(event('completed', { durationSec: talkMs / 1000 }), call.worker)
  }

  const onMessage = (worker: number, message: FromWorker) => {
    switch (message.type) {
      case 'submitted':
        submissions.get(message.id)?.(message)
        submissions.delete(message.id)
        return
      case 'delivered': {
        const delivery = deliveries.get(message.delivery)
        deliveries.delete(message.delivery)
        if (delivery) {
          const id = delivery.event.providerCallId ?? '?'
          eventLog.set(id, [
            ...(eventLog.get(id) ?? []),
            `${delivery.event.type}@${worker}:${message.applied ? 'applied' : 'ignored'}`,
          ])
        }
        delivery?.done()
        return
      }
      case 'dial': {
        const known = calls.get(message.attemptId)
        if (known) {
          repeatedDials++
          post(worker, { type: 'dialed', request: message.request, providerCallId: known.providerCallId })
          return
        }
        const call: HubCall = {
          attemptId: message.attemptId,
          processId: message.processId,
          agentId: message.agentId,
          worker,
          providerCallId: `hub-${nextCall++}`,
        }
        calls.set(message.attemptId, call)
        post(worker, { type: 'dialed', request: message.request, providerCallId: call.providerCallId })
        void play(call)
        return
      }
      case 'assigned': {
        const list = assigned.get(message.processId) ?? []
        list.push(message.agentId)
        assigned.set(message.processId, list)
        return
      }
      case 'completed':
        completed.add(message.processId)
        return
      case 'failed':
        failed.set(message.processId, message.code)
        return
      case 'error':
        errors.push(`worker ${worker}: ${message.message}`)
        return
      case 'ready':
        return
    }
  }

  const onExit = (worker: number) => {
    // Webhooks the dead worker did not answer are sent again, to another worker.
    for (const [id, delivery] of deliveries) {
      if (delivery.worker !== worker || live().length === 0) continue
      deliveries.delete(id)
      const next = pick()
      deliveries.set(id, { ...delivery, worker: next })
      post(next, { type: 'event', delivery: id, event: delivery.event })
    }
  }

  const ready: Promise<void>[] = []
  for (let worker = 0; worker < options.workers; worker++) {
    const settings: WorkerSettings = {
      worker,
      driver: options.driver,
      url: options.url,
      scope: options.scope,
      tenant: options.tenant,
      leaseMs: options.leaseMs ?? 2_000,
      pollMs: options.pollMs ?? 200,
      dialDelayMs: options.dialDelayMs?.(worker) ?? 0,
    }
    const child = spawn(process.execPath, ['--conditions=dev-source', '--import', 'tsx', WORKER_PATH], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, LEADCALL_WORKER: JSON.stringify(settings) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    children.push(child)
    ready.push(
      new Promise((resolve, reject) => {
        child.on('message', (message: FromWorker) => {
          if (message.type === 'ready') resolve()
          onMessage(worker, message)
        })
        child.once('exit', (code) => {
          reject(new Error(`worker ${worker} exited with ${code} before it was ready`))
          onExit(worker)
        })
      }),
    )
  }
  await Promise.all(ready)

  const cluster: Cluster = {
    calls,
    eventLog,
    get repeatedDials() {
      return repeatedDials
    },
    assigned,
    completed,
    failed,
    errors,
    submit(lead, worker) {
      return new Promise((resolve) => {
        const id = nextSubmission++
        submissions.set(id, resolve)
        post(worker ?? pick(), { type: 'submit', id, lead })
      })
    },
    async submitAll(count, inFlight, lead) {
      const results: { processId?: string; status?: string; code?: string; error?: string }[] = []
      let next = 0
      const lane = async () => {
        while (next < count) {
          const i = next++
          results[i] = await cluster.submit(lead(i))
        }
      }
      await Promise.all(Array.from({ length: Math.min(inFlight, count) }, lane))
      return results
    },
    async kill(worker) {
      const child = children[worker]
      if (!running(child)) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      await exited
    },
    alive: (worker) => live().includes(worker),
    async waitFor(done, timeoutMs, what) {
      const start = Date.now()
      while (!done()) {
        if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (!running(child)) return resolve()
              child.once('exit', () => resolve())
              child.send({ type: 'stop' } satisfies ToWorker)
              setTimeout(() => child.kill('SIGKILL'), 10_000).unref()
            }),
        ),
      )
    },
  }
  return cluster
}
