import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { LeadCallError } from '../errors/lead-call-error.js'

/** A piece of CSV: text, or UTF-8 bytes (a `Buffer` is a `Uint8Array`). */
export type CsvChunk = string | Uint8Array

/**
 * Where `importLeads` reads CSV from:
 *
 * - `{ path }`: a file, read with `fs.createReadStream` (a `file:` `URL` works too, bare or as `path`);
 * - `{ text }`: the CSV itself, as a string or UTF-8 bytes;
 * - a bare string: CSV text when it contains a line break (`\n` or `\r`), a file path otherwise —
 *   a header-only CSV on one line is read as a path, so prefer `{ text }` or `{ path }` in code that
 *   does not know what it holds;
 * - a Node `Readable` (an upload, `process.stdin`, a file stream), of bytes or strings;
 * - a Web `ReadableStream<Uint8Array | string>` (`request.body`, `fetch(url).body`);
 * - any `AsyncIterable` of strings or bytes (an async generator).
 *
 * Bytes are read as UTF-8; a byte order mark is dropped. When the import stops early (abort, error),
 * a stream is destroyed (Node) or cancelled (Web) and an iterator is closed with `return()`.
 */
export type ImportSource =
  | string
  | URL
  | { path: string | URL }
  | { text: string | Uint8Array }
  | Readable
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<CsvChunk>

/** The chunks of a source, read one at a time. */
export interface ChunkReader {
  /** The next chunk, or `null` at the end. */
  next(): Promise<CsvChunk | null>
  /** Stops reading and releases the source (never throws, never waits). */
  close(): void
}

/** Raised for a source that is not one of {@link ImportSource}. */
function unsupported(what: string): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', {
    message: `Unsupported import source: ${what}; expected a file path, { path }, { text }, a Readable, a ReadableStream or an async iterable of strings or bytes`,
  })
}

function isObject(value: unknown): value is Record<string | symbol, unknown> {
  return typeof value === 'object' && value !== null
}

function isWebStream(value: unknown): value is ReadableStream<CsvChunk> {
  return isObject(value) && typeof value.getReader === 'function' && typeof value.cancel === 'function'
}

function isNodeReadable(value: unknown): value is Readable {
  return (
    isObject(value) &&
    typeof value.pipe === 'function' &&
    typeof value.on === 'function' &&
    typeof value.destroy === 'function' &&
    typeof value[Symbol.asyncIterator] === 'function'
  )
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return isObject(value) && typeof value[Symbol.asyncIterator] === 'function'
}

/** Checks that a chunk is text or bytes. */
function checked(chunk: unknown): CsvChunk {
  if (typeof chunk === 'string' || chunk instanceof Uint8Array) return chunk
  throw new LeadCallError('VALIDATION_FAILED', {
    message: `Invalid CSV source: a chunk is ${chunk === null ? 'null' : typeof chunk}, expected a string or bytes`,
  })
}

function fromIterator(iterator: AsyncIterator<unknown>, release: () => void): ChunkReader {
  let closed = false
  return {
    async next() {
      if (closed) return null
      const step = await iterator.next()
      if (step.done) return null
      return checked(step.value)
    },
    close() {
      if (closed) return
      closed = true
      release()
    },
  }
}

function fromNodeReadable(stream: Readable): ChunkReader {
  const iterator = stream[Symbol.asyncIterator]()
  return fromIterator(iterator, () => {
    if (!stream.destroyed) stream.destroy()
  })
}

function fromWebStream(stream: ReadableStream<CsvChunk>): ChunkReader {
  const reader = stream.getReader()
  let closed = false
  return {
    async next() {
      if (closed) return null
      const step = await reader.read()
      if (step.done) return null
      return checked(step.value)
    },
    close() {
      if (closed) return
      closed = true
      reader.cancel().catch(() => {})
    },
  }
}

function fromText(text: string | Uint8Array): ChunkReader {
  let given = false
  return {
    async next() {
      if (given) return null
      given = true
      return text
    },
    close() {
      given = true
    },
  }
}

function fromPath(path: string | URL): ChunkReader {
  return fromNodeReadable(createReadStream(path))
}

/**
 * Opens an {@link ImportSource} as a {@link ChunkReader}.
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` for anything else.
 */
export function openSource(source: ImportSource): ChunkReader {
  if (typeof source === 'string') {
    return /[\r\n]/.test(source) ? fromText(source) : fromPath(source)
  }
  if (source instanceof URL) return fromPath(source)
  if (isWebStream(source)) return fromWebStream(source)
  if (isNodeReadable(source)) return fromNodeReadable(source)
  if (isAsyncIterable(source)) {
    const iterator = source[Symbol.asyncIterator]()
    return fromIterator(iterator, () => {
      iterator.return?.()?.catch(() => {})
    })
  }
  if (isObject(source)) {
    if ('text' in source && (typeof source.text === 'string' || source.text instanceof Uint8Array)) {
      return fromText(source.text)
    }
    if ('path' in source && (typeof source.path === 'string' || source.path instanceof URL)) {
      return fromPath(source.path)
    }
    return unsupportedObject()
  }
  throw unsupported(source === null ? 'null' : typeof source)
}

function unsupportedObject(): never {
  throw unsupported('an object with neither `path` nor `text`')
}
