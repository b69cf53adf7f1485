/**
 * Reading request bodies: media type checks, a size limit enforced while the stream is read (a
 * `Content-Length` above the limit is refused before reading, but a small or missing one is never
 * trusted), strict UTF-8, and JSON that cannot carry prototype-pollution keys.
 *
 * @module
 */
import { badRequest, httpError, payloadTooLarge, unsupportedMediaType } from './http-errors.js'

/** The media type of a request (`application/json`), lower case without parameters, or `null`. */
export function mediaTypeOf(request: Request): string | null {
  const header = request.headers.get('content-type')
  if (header === null) return null
  const semicolon = header.indexOf(';')
  const type = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase()
  return type === '' ? null : type
}

/** True for `application/json` and any `…/…+json` media type. */
export function isJsonMediaType(type: string | null): boolean {
  return type === 'application/json' || type?.endsWith('+json') === true
}

/** Refuses (415) a request whose body is not JSON. */
export function requireJson(request: Request): void {
  const type = mediaTypeOf(request)
  if (!isJsonMediaType(type)) throw unsupportedMediaType(type, ['application/json'])
}

/** Refuses (413) a request that declares a `Content-Length` above `limit`, before reading it. */
function checkDeclaredLength(request: Request, limit: number): void {
  const declared = request.headers.get('content-length')
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > limit) {
    request.body?.cancel().catch(() => {})
    throw payloadTooLarge(limit)
  }
}

/**
 * Reads the whole body as bytes, refusing (413) as soon as more than `limit` bytes arrived: the
 * stream is cancelled there, so an oversized body is never held in memory whole.
 */
export async function readBytes(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  checkDeclaredLength(request, limit)
  const body = request.body
  if (body === null) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array<ArrayBuffer>[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > limit) {
      await reader.cancel().catch(() => {})
      throw payloadTooLarge(limit)
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]!
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Reads the body as UTF-8 text within `limit` bytes (400 when it is not valid UTF-8). */
export async function readText(request: Request, limit: number): Promise<string> {
  const bytes = await readBytes(request, limit)
  try {
    return utf8.decode(bytes)
  } catch {
    throw badRequest('The request body is not valid UTF-8')
  }
}

/**
 * True when a parsed JSON value holds a key that could pollute prototypes if merged: `__proto__`
 * anywhere, or `prototype` under `constructor`. Walks iteratively (no recursion limit).
 */
export function hasPollutingKeys(value: unknown): boolean {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const current = stack.pop()
    if (typeof current !== 'object' || current === null) continue
    if (Array.isArray(current)) {
      for (const item of current) stack.push(item)
      continue
    }
    const record = current as Record<string, unknown>
    for (const key of Object.keys(record)) {
      const inner = record[key]
      if (key === '__proto__') return true
      if (key === 'constructor' && isJsonObject(inner) && Object.hasOwn(inner, 'prototype')) return true
      stack.push(inner)
    }
  }
  return false
}

/** A JSON body: the text as received (signatures are computed over it) and its parsed value. */
export interface JsonBody {
  /** The body exactly as received. */
  raw: string
  /** The parsed value. */
  value: unknown
}

/**
 * Parses JSON text: 400 `VALIDATION_FAILED` (`details.reason` `MALFORMED_JSON`) when it is not JSON
 * or holds a prototype-pollution key (see {@link hasPollutingKeys}).
 */
export function parseJson(raw: string): unknown {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch (error) {
    const why = error instanceof Error ? error.message : 'unreadable'
    throw httpError(400, 'MALFORMED_JSON', `Malformed JSON body: ${why}`)
  }
  // A key `__proto__` (or `prototype`) is in the text literally or through a \u escape.
  if (
    (raw.includes('__proto__') || raw.includes('prototype') || raw.includes('\\u')) &&
    hasPollutingKeys(value)
  )
    throw httpError(
      400,
      'MALFORMED_JSON',
      'The JSON body holds a forbidden key (__proto__ or constructor.prototype)',
    )
  return value
}

/** Checks the media type (415), reads the body within `limit` (413) and parses it (400). */
export async function readJson(request: Request, limit: number): Promise<JsonBody> {
  requireJson(request)
  const raw = await readText(request, limit)
  if (raw.trim() === '')
    throw httpError(400, 'MALFORMED_JSON', 'The request body is empty; send a JSON object')
  return { raw, value: parseJson(raw) }
}

/** A body stream limited in size, see {@link limitStream}. */
export interface LimitedStream {
  /** The stream to consume: it errors with a 413 error past the limit. */
  stream: ReadableStream<Uint8Array>
  /** True once the limit was passed (the consumer may wrap the stream's error in its own). */
  exceeded(): boolean
}

/**
 * Wraps a body stream so that it errors with a 413 error once more than `limit` bytes went through,
 * for bodies consumed as streams (CSV import) rather than read whole.
 */
export function limitStream(stream: ReadableStream<Uint8Array>, limit: number): LimitedStream {
  let total = 0
  let over = false
  const limited = stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.byteLength
        if (total > limit) {
          over = true
          controller.error(payloadTooLarge(limit))
        } else controller.enqueue(chunk)
      },
    }),
  )
  return { stream: limited, exceeded: () => over }
}

/** True when `value` is a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
