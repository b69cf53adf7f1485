/**
 * Request latencies by the time they were sent, and their p99 over a window of the run. Kept in
 * buffers allocated before the load, so the soak's own bookkeeping does not grow the heap it
 * watches.
 */
export class LatencyLog {
  private readonly at: Float64Array
  private readonly ms: Float64Array
  private count = 0

  constructor(capacity: number) {
    this.at = new Float64Array(capacity)
    this.ms = new Float64Array(capacity)
  }

  /** Keeps one latency; false when the log is full. */
  add(sentAt: number, latencyMs: number): boolean {
    if (this.count >= this.at.length) return false
    this.at[this.count] = sentAt
    this.ms[this.count] = latencyMs
    this.count++
    return true
  }

  /** The 99th percentile (nearest rank) of the requests sent in `[from, to)`, or null when none. */
  p99(from: number, to: number): { p99: number; count: number } | null {
    const window: number[] = []
    for (let i = 0; i < this.count; i++) {
      const sent = this.at[i] as number
      if (sent >= from && sent < to) window.push(this.ms[i] as number)
    }
    if (window.length === 0) return null
    window.sort((a, b) => a - b)
    const rank = Math.ceil(0.99 * window.length) - 1
    return { p99: window[rank] as number, count: window.length }
  }
}
