/**
 * Argument checks and JSON copies shared by the parts of the memory storage driver.
 *
 * The driver keeps every value as its JSON text: serialising on write and parsing on read is one
 * pass each way, where `structuredClone` would need a full copy on write and another on read (each
 * about as costly as a JSON round trip for plain data). It guarantees that callers never share an
 * object with the store, and it rejects what is not JSON at the door, as a network driver would.
 *
 * @internal
 * @module
 */
import { LeadCallError } from '../errors/lead-call-error.js'

/** Serialises a JSON value, or throws `VALIDATION_FAILED` when it is not one. @internal */
export function encodeJson(value: unknown, what: string): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (cause) {
    throw new LeadCallError('VALIDATION_FAILED', { message: `${what} is not a JSON value`, cause })
  }
  if (text === undefined)
    throw new LeadCallError('VALIDATION_FAILED', { message: `${what} is not a JSON value` })
  return text
}

/** Parses JSON text written by {@link encodeJson}. @internal */
export function decodeJson<T>(text: string): T {
  return JSON.parse(text) as T
}

/** Throws `VALIDATION_FAILED` unless `value` is a non-empty string. @internal */
export function assertName(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0)
    throw new LeadCallError('VALIDATION_FAILED', { message: `${what} must be a non-empty string` })
}

/** Throws `VALIDATION_FAILED` unless `value` is a finite number. @internal */
export function assertFinite(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new LeadCallError('VALIDATION_FAILED', { message: `${what} must be a finite number` })
}

/** Throws `VALIDATION_FAILED` unless `value` is a finite number greater than 0. @internal */
export function assertPositive(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new LeadCallError('VALIDATION_FAILED', {
      message: `${what} must be a finite number greater than 0`,
    })
}
