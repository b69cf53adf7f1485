/**
 * Where each submitted lead ended, by process id, in buffers allocated before the load: the soak's
 * own bookkeeping does not grow while the heap is watched. An open-addressing table of the 16 bytes
 * of each UUID (v4: its first bytes are random, hence a good hash), with a few flags per slot.
 * The pipeline's end event and the HTTP answer may come in either order: each sets its own flag.
 */
const USED = 1
const SUBMITTED = 2
const COMPLETED = 4
const FAILED = 8

export type LeadEnd = 'completed' | 'failed'

export class LeadOutcomes {
  private readonly keys: Uint8Array
  private readonly flags: Uint8Array
  private readonly mask: number
  private used = 0
  /** Leads whose HTTP answer gave a process id. */
  submitted = 0

  /** Room for `capacity` processes (the table is kept at most half full). */
  constructor(capacity: number) {
    let slots = 16
    while (slots < capacity * 2) slots *= 2
    this.keys = new Uint8Array(slots * 16)
    this.flags = new Uint8Array(slots)
    this.mask = slots - 1
  }

  /** The HTTP answer of a lead gave this process id. */
  addSubmitted(uuid: string): void {
    const slot = this.slotOf(uuid)
    if ((this.flags[slot]! & SUBMITTED) === 0) this.submitted++
    this.flags[slot]! |= SUBMITTED
  }

  /** The pipeline said the process ended (`lead.completed` or `lead.failed`). */
  addEnded(uuid: string, end: LeadEnd): void {
    const slot = this.slotOf(uuid)
    this.flags[slot]! |= end === 'completed' ? COMPLETED : FAILED
  }

  /** How the submitted processes ended, by the pipeline's events. */
  ends(): { completed: number; failed: number; open: number } {
    const counts = { completed: 0, failed: 0, open: 0 }
    for (const flag of this.flags) {
      if ((flag & SUBMITTED) === 0) continue
      if (flag & COMPLETED) counts.completed++
      else if (flag & FAILED) counts.failed++
      else counts.open++
    }
    return counts
  }

  /** The submitted processes no end event was seen for. */
  *open(): Generator<string> {
    for (let slot = 0; slot <= this.mask; slot++) {
      const flag = this.flags[slot]!
      if (flag & SUBMITTED && (flag & (COMPLETED | FAILED)) === 0) yield this.uuidAt(slot)
    }
  }

  private slotOf(uuid: string): number {
    const hex = uuid.replaceAll('-', '')
    if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`Not a UUID: ${uuid}`)
    const bytes = new Uint8Array(16)
    for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
    let slot = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) & this.mask
    for (;;) {
      if ((this.flags[slot]! & USED) === 0) {
        if (this.used * 2 >= this.mask + 1) throw new Error('The soak outcome table is full')
        this.keys.set(bytes, slot * 16)
        this.flags[slot] = USED
        this.used++
        return slot
      }
      if (this.equals(slot, bytes)) return slot
      slot = (slot + 1) & this.mask
    }
  }

  private equals(slot: number, bytes: Uint8Array): boolean {
    const base = slot * 16
    for (let i = 0; i < 16; i++) if (this.keys[base + i] !== bytes[i]) return false
    return true
  }

  private uuidAt(slot: number): string {
    let hex = ''
    for (let i = 0; i < 16; i++) hex += this.keys[slot * 16 + i]!.toString(16).padStart(2, '0')
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  }
}
