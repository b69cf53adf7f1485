const MAX_DELAY = 2 ** 31 - 1

/**
 * Deadlines of open reservations in this process, with one timer armed for the earliest. The
 * reservations themselves live in storage; this only decides when to look at them again, and is
 * rebuilt from storage when the engine starts.
 */
export class TimeoutSchedule {
  private readonly deadlines = new Map<string, number>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private armedFor = Number.POSITIVE_INFINITY

  constructor(
    private readonly now: () => number,
    private readonly onDue: () => void,
  ) {}

  add(id: string, at: number): void {
    this.deadlines.set(id, at)
    if (at < this.armedFor) this.arm(at)
  }

  delete(id: string): void {
    this.deadlines.delete(id)
  }

  /** Takes out and returns the ids whose deadline has passed, earliest first. */
  due(): string[] {
    const at = this.now()
    const out: [string, number][] = []
    for (const [id, deadline] of this.deadlines) if (deadline <= at) out.push([id, deadline])
    out.sort((a, b) => a[1] - b[1])
    for (const [id] of out) this.deadlines.delete(id)
    this.rearm()
    return out.map(([id]) => id)
  }

  clear(): void {
    this.deadlines.clear()
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.armedFor = Number.POSITIVE_INFINITY
  }

  private rearm(): void {
    let earliest = Number.POSITIVE_INFINITY
    for (const deadline of this.deadlines.values()) if (deadline < earliest) earliest = deadline
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.armedFor = Number.POSITIVE_INFINITY
    if (earliest !== Number.POSITIVE_INFINITY) this.arm(earliest)
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.armedFor = at
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        this.armedFor = Number.POSITIVE_INFINITY
        this.onDue()
        this.rearm()
      },
      Math.min(MAX_DELAY, Math.max(0, at - this.now())),
    )
    this.timer.unref?.()
  }
}
