/**
 * The Redis key layout of the driver.
 *
 * Every key of a namespace starts with `<prefix>:{<namespace>}:`. The braces make the namespace the
 * key's Redis Cluster **hash tag**: all keys of a namespace hash to the same slot, so every script
 * of the driver, which only touches keys of one namespace, is a single-slot script that Cluster
 * accepts. Braces and `%` inside the namespace are percent-encoded (`{` → `%7B`, `}` → `%7D`,
 * `%` → `%25`), so that a namespace can never end the tag early or produce an empty tag (which
 * would make Redis hash the whole key instead); the encoding is injective, so two namespaces never
 * share keys. The prefix may not contain braces for the same reason.
 *
 * After that base, a short kind tells what the key holds, then the document key, queue name or
 * stream name as given (kinds contain no `:`, so no two names produce the same key):
 *
 * | key                         | type   | holds                                                          |
 * | --------------------------- | ------ | -------------------------------------------------------------- |
 * | `…:m:seq`                   | string | the namespace's counter: document versions, enqueue order, record ids |
 * | `…:m:idx`                   | zset   | every document key (score 0, ordered by key) for `list`        |
 * | `…:m:exp`                   | zset   | document keys with a TTL, by expiry time, to prune `m:idx`      |
 * | `…:d:<key>`                 | string | a document: `<version>:<expiresAt>:<json>`, with a native TTL   |
 * | `…:qi:<queue>`              | hash   | item id → `<meta>\n<payload json>`                              |
 * | `…:qo:<queue>`              | zset   | every item in queue order (lexicographic members)              |
 * | `…:qr:<queue>`              | zset   | the items claimable now, in queue order                        |
 * | `…:qd:<queue>`              | zset   | delayed items, by `availableAt`                                 |
 * | `…:ql:<queue>`              | zset   | leased items, by lease expiry                                  |
 * | `…:s:<stream>`              | zset   | records, by time; member `<id>\n<json>`                         |
 *
 * @internal
 * @module
 */
import { invalid } from './redis-support.js'

/** The keys of one queue, in the order every queue script declares them. @internal */
export interface QueueKeys {
  /** Items hash: id → item. */
  items: string
  /** All items in queue order. */
  order: string
  /** Claimable items in queue order. */
  ready: string
  /** Delayed items by `availableAt`. */
  delayed: string
  /** Leased items by lease expiry. */
  leases: string
  /** The namespace counter (enqueue order). */
  seq: string
}

/** Builds the keys of namespaces for one prefix. @internal */
export interface KeyLayout {
  /** The common start of every key of the namespace, hash tag included. */
  base(ns: string): string
  /** The namespace counter. */
  seq(ns: string): string
  /** The document index (lexicographic zset of keys). */
  index(ns: string): string
  /** The document expiry index (zset of keys by expiry time). */
  expiries(ns: string): string
  /** A document. */
  doc(ns: string, key: string): string
  /** The keys of a queue. */
  queue(ns: string, queue: string): QueueKeys
  /** A record stream. */
  stream(ns: string, stream: string): string
}

/** Percent-encodes the characters that would break the hash tag: `%`, `{` and `}`. @internal */
export function encodeNamespace(ns: string): string {
  return ns.replace(/[%{}]/g, (char) => (char === '%' ? '%25' : char === '{' ? '%7B' : '%7D'))
}

/** The key layout for `prefix`; rejects a prefix that is empty or contains braces. @internal */
export function keyLayout(prefix: string): KeyLayout {
  if (typeof prefix !== 'string' || prefix.length === 0 || /[{}]/.test(prefix))
    throw invalid('prefix must be a non-empty string without { or }')
  const base = (ns: string) => `${prefix}:{${encodeNamespace(ns)}}:`
  return {
    base,
    seq: (ns) => `${base(ns)}m:seq`,
    index: (ns) => `${base(ns)}m:idx`,
    expiries: (ns) => `${base(ns)}m:exp`,
    doc: (ns, key) => `${base(ns)}d:${key}`,
    queue(ns, queue) {
      const b = base(ns)
      return {
        items: `${b}qi:${queue}`,
        order: `${b}qo:${queue}`,
        ready: `${b}qr:${queue}`,
        delayed: `${b}qd:${queue}`,
        leases: `${b}ql:${queue}`,
        seq: `${b}m:seq`,
      }
    },
    stream: (ns, stream) => `${base(ns)}s:${stream}`,
  }
}
