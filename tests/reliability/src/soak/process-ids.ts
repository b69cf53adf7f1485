/**
 * The process ids the soak submitted, 16 bytes each in one buffer allocated before the load: the
 * soak's own bookkeeping does not grow while the heap is watched.
 */
export class ProcessIdLog {
  private readonly bytes: Uint8Array
  private count = 0

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity * 16)
  }

  get size(): number {
    return this.count
  }

  /** Keeps a UUID; false when the log is full. */
  add(uuid: string): boolean {
    const hex = uuid.replaceAll('-', '')
    if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`Not a UUID: ${uuid}`)
    if ((this.count + 1) * 16 > this.bytes.length) return false
    const base = this.count * 16
    for (let i = 0; i < 16; i++) this.bytes[base + i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
    this.count++
    return true
  }

  /** The `index`th id, as a UUID string. */
  get(index: number): string {
    let hex = ''
    for (let i = 0; i < 16; i++) hex += (this.bytes[index * 16 + i] as number).toString(16).padStart(2, '0')
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
  }
}
