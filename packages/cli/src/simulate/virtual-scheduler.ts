import { LeadCallError } from '@leadcall/core'

/** A task due at a virtual time; `seq` keeps tasks due at the same time in the order they were added. */
interface Task {
  time: number
  seq: number
  run: () => void
}

/** Options of {@link VirtualScheduler.run}. */
export interface VirtualRunOptions {
  /**
   * Resolves once every piece of work started by the last task has finished (by default the next
   * turn of the event loop, when every pending promise continuation has run). Time moves on only
   * then.
   */
  settle?: () => Promise<void>
  /** Checked after each settle: true ends the run even with tasks left. */
  done?: () => boolean
  /** The run fails with `VALIDATION_FAILED` rather than move the clock past this time (ms since epoch). */
  deadline?: number
}

/**
 * A discrete-event clock: tasks are due at virtual times, and {@link VirtualScheduler.run} jumps
 * from one to the next without waiting, letting the work each task starts finish before the clock
 * moves. Pass `now` to whatever should read this clock.
 */
export interface VirtualScheduler {
  /** The current virtual time (ms since epoch). */
  now(): number
  /** Runs `task` at virtual time `time` (at once, in order, when `time` is not in the future). */
  at(time: number, task: () => void): void
  /** Runs `task` `delayMs` after the current virtual time. */
  after(delayMs: number, task: () => void): void
  /** How many tasks are due. */
  readonly pending: number
  /** Runs the due tasks in time order until none is left or `done()` says so. */
  run(options?: VirtualRunOptions): Promise<void>
}

/** The next turn of the event loop: by then every promise continuation queued before has run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function earlier(a: Task, b: Task): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq)
}

/** Creates a {@link VirtualScheduler} whose clock starts at `start` (ms since epoch). */
export function createVirtualScheduler(start: number): VirtualScheduler {
  let current = start
  let seq = 0
  const heap: Task[] = []

  function push(task: Task): void {
    heap.push(task)
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!earlier(heap[i]!, heap[parent]!)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  function pop(): Task | undefined {
    const top = heap[0]
    const last = heap.pop()
    if (top === undefined || last === undefined || heap.length === 0) return top
    heap[0] = last
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      if (left < heap.length && earlier(heap[left]!, heap[smallest]!)) smallest = left
      if (right < heap.length && earlier(heap[right]!, heap[smallest]!)) smallest = right
      if (smallest === i) break
      ;[heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!]
      i = smallest
    }
    return top
  }

  const scheduler: VirtualScheduler = {
    now: () => current,
    at(time, task) {
      push({ time: Math.max(time, current), seq: seq++, run: task })
    },
    after(delayMs, task) {
      scheduler.at(current + Math.max(0, delayMs), task)
    },
    get pending() {
      return heap.length
    },
    async run(options = {}) {
      const settle = options.settle ?? nextTurn
      const deadline = options.deadline ?? Number.POSITIVE_INFINITY
      for (;;) {
        await settle()
        if (options.done?.()) return
        const task = pop()
        if (task === undefined) return
        if (task.time > deadline) {
          throw new LeadCallError('VALIDATION_FAILED', {
            message: `The simulation did not settle before ${new Date(deadline).toISOString()} (virtual time)`,
          })
        }
        current = task.time
        task.run()
      }
    },
  }
  return scheduler
}
