import type { StorageV1 } from '../storage/storage-v1.js'

/** Delayed work of the pipeline, kept in storage so it survives restarts and other processes see it. */
export type PipelineJob =
  | { type: 'no_answer'; processId: string; attemptId: string }
  | { type: 'contact_sync'; processId: string }
  | { type: 'dispatch' }

/** A durable scheduler of jobs (the pipeline's {@link PipelineJob}s by default). */
export interface JobScheduler<J = PipelineJob> {
  /** Schedules (or reschedules) the job with this id to run at `at` (ms since epoch). */
  schedule(id: string, job: J, at: number): Promise<void>
  /** Drops a scheduled job; no error when it is not there. */
  cancel(id: string): Promise<void>
  /** Runs every job that is due now; returns how many ran. */
  runDue(): Promise<number>
  /** Starts the timers (one for the earliest known job, one poll for jobs other processes scheduled). */
  start(): void
  /** Stops the timers. */
  stop(): void
}

/** The storage queue of the pipeline's jobs. */
const PIPELINE_QUEUE = 'jobs'

/**
 * Creates the scheduler over a storage queue: a job is an item whose `availableAt` is its time;
 * running it claims it with a lease (a crashed worker's job comes back) and acks it when done. A
 * job that throws is retried after a short delay.
 */
export function createJobScheduler<J = PipelineJob>(deps: {
  storage: StorageV1
  ns: string
  now: () => number
  leaseMs: number
  pollMs: number
  run: (job: J) => Promise<void>
  onError: (error: unknown, job: J) => void
  /** The storage queue holding the jobs (default `jobs`, the pipeline's). */
  queue?: string
}): JobScheduler<J> {
  const { storage, ns, now } = deps
  const QUEUE = deps.queue ?? PIPELINE_QUEUE
  let timer: ReturnType<typeof setTimeout> | undefined
  let timerAt = Number.POSITIVE_INFINITY
  let poller: ReturnType<typeof setInterval> | undefined
  let running: Promise<number> | undefined
  let started = false

  const arm = (at: number) => {
    if (!started || at >= timerAt) return
    if (timer) clearTimeout(timer)
    timerAt = at
    timer = setTimeout(
      () => {
        timer = undefined
        timerAt = Number.POSITIVE_INFINITY
        void scheduler.runDue()
      },
      Math.max(0, Math.min(2 ** 31 - 1, at - now())),
    )
    timer.unref?.()
  }

  const drain = async (): Promise<number> => {
    let ran = 0
    for (;;) {
      const items = await storage.claim<J>(ns, QUEUE, { leaseMs: deps.leaseMs, limit: 16 })
      if (items.length === 0) break
      for (const item of items) {
        try {
          await deps.run(item.payload)
          await storage.ack(ns, QUEUE, item.id, item.lease.token)
        } catch (error) {
          deps.onError(error, item.payload)
          await storage.release(ns, QUEUE, item.id, item.lease.token, { availableAt: now() + 1_000 })
        }
        ran++
      }
    }
    const next = await storage.listQueue<J>(ns, QUEUE, { limit: 1 })
    // The queue is ordered by priority then time: jobs all share priority 0, so the head is the earliest.
    if (next[0]) arm(next[0].availableAt)
    return ran
  }

  const scheduler: JobScheduler<J> = {
    async schedule(id, job, at) {
      await storage.enqueue(ns, QUEUE, { id, priority: 0, score: at, availableAt: at, payload: job })
      arm(at)
    },
    async cancel(id) {
      await storage.removeQueued(ns, QUEUE, id)
    },
    runDue() {
      // One drain at a time per process; a call while one runs waits for it and runs again.
      const previous = running ?? Promise.resolve(0)
      const next = previous.then(drain, drain)
      running = next
      const clear = () => {
        if (running === next) running = undefined
      }
      next.then(clear, clear)
      return next
    },
    start() {
      if (started) return
      started = true
      poller = setInterval(() => void scheduler.runDue(), deps.pollMs)
      poller.unref?.()
      void scheduler.runDue()
    },
    stop() {
      started = false
      if (timer) clearTimeout(timer)
      if (poller) clearInterval(poller)
      timer = undefined
      poller = undefined
      timerAt = Number.POSITIVE_INFINITY
    },
  }
  return scheduler
}
