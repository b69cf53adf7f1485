/**
 * Reads by key (`get`, `getMany`), batched: reads issued in the same turn of the event loop, or
 * while the batch waits for a connection, go out together as one `read_documents` statement (up to
 * {@link BATCH_KEYS} keys in all). Under load most reads are issued by the answers to other
 * statements, many in the same turn: one statement then serves them all, and both the database
 * and the process handle fewer statements. A read waits at most for the end of the current turn
 * before it is sent.
 *
 * A read never joins a batch that already reads one of its keys: both would get the same version,
 * and when that key is contended only one of their compare-and-set commits can succeed. Apart, the
 * later read waits for the commit in progress, if any (see `read_documents`), and sees it. (With
 * 1,000 compare-and-set loops on one key, batching same-key reads multiplies the attempts by 40.)
 *
 * @internal
 * @module
 */
import type { StorageCallOptions } from '@leadcall/core'
import type { DriverContext } from './postgres-context.js'
import type { RawRow } from './postgres-support.js'

/** Keys one read statement takes at most (above 64, `read_documents` takes no lock per key). */
const BATCH_KEYS = 64

/** A read waiting for its batch's statement. */
interface Member {
  ns: string
  keys: readonly string[]
  /** Settled (answered, failed or aborted): the batch leaves it out, or ignores its answer. */
  done: boolean
  resolve(rows: (RawRow | undefined)[]): void
  reject(error: unknown): void
}

/** Reads the rows of `keys`, by position (`undefined` for a missing or expired key). @internal */
export type Reader = (
  ns: string,
  keys: readonly string[],
  options?: StorageCallOptions,
) => Promise<(RawRow | undefined)[]>

/**
 * The batched reads of one storage: `readSql` takes the namespace of each key, the keys and the
 * clock, and returns `i` (the 1-based position among the keys) with the columns of each live row.
 * @internal
 */
export function createReader(ctx: DriverContext, readSql: string): Reader {
  /** The batch that reads may still join: not yet built into a statement. */
  let open: Member[] | undefined
  /** The keys of the open batch, as `ns` NUL `key`, and how many it reads. */
  let openKeys = new Set<string>()
  let openCount = 0
  const id = (ns: string, key: string) => `${ns}\u0000${key}`

  const canJoin = (ns: string, keys: readonly string[]) => {
    if (open === undefined || openCount + keys.length > BATCH_KEYS) return false
    for (const key of keys) if (openKeys.has(id(ns, key))) return false
    return true
  }

  /** The statement of a batch, once it has a connection: it closes then. */
  const build = (batch: Member[]) => {
    if (open === batch) open = undefined
    const live = batch.filter((member) => !member.done)
    batch.splice(0, batch.length, ...live)
    if (live.length === 0) return undefined
    const namespaces: string[] = []
    const keys: string[] = []
    for (const member of live) {
      for (const key of member.keys) {
        namespaces.push(member.ns)
        keys.push(key)
      }
    }
    return { name: 'read', text: readSql, values: [namespaces, keys, ctx.now()] }
  }

  /** Hands each member its rows: a row's `i` is its position among all the keys of the batch. */
  const answer = (batch: Member[], rows: RawRow[]) => {
    const slots = batch.map((member) => new Array<RawRow | undefined>(member.keys.length))
    const owner: number[] = []
    const first: number[] = []
    batch.forEach((member, m) => {
      first.push(owner.length)
      for (let k = 0; k < member.keys.length; k++) owner.push(m)
    })
    for (const row of rows) {
      const index = Number(row.i) - 1
      const m = owner[index]!
      slots[m]![index - first[m]!] = row
    }
    batch.forEach((member, m) => {
      member.resolve(slots[m]!)
    })
  }

  const send = (batch: Member[]) => {
    ctx
      .runLate(() => build(batch))
      .then(
        (result) => {
          if (result !== undefined) answer(batch, result.rows)
        },
        (error: unknown) => {
          for (const member of batch) member.reject(error)
        },
      )
  }

  return (ns, keys, options) => {
    const signal = options?.signal
    signal?.throwIfAborted()
    return new Promise((resolve, reject) => {
      const settle = () => {
        member.done = true
        signal?.removeEventListener('abort', onAbort)
      }
      const member: Member = {
        ns,
        keys,
        done: false,
        resolve(rows) {
          if (member.done) return
          settle()
          resolve(rows)
        },
        reject(error) {
          if (member.done) return
          settle()
          reject(error)
        },
      }
      // Aborted before its batch is sent: left out of it (nothing is sent for it).
      const onAbort = () => member.reject(signal?.reason)
      signal?.addEventListener('abort', onAbort, { once: true })
      if (open === undefined || !canJoin(ns, keys)) {
        const batch: Member[] = []
        open = batch
        openKeys = new Set()
        openCount = 0
        // Sent at the end of this turn of the event loop: the reads issued meanwhile join it.
        setImmediate(() => send(batch))
      }
      open.push(member)
      openCount += keys.length
      for (const key of keys) openKeys.add(id(ns, key))
    })
  }
}
