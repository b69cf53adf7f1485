/**
 * Argument checks, JSON text and number formatting shared by the parts of the Redis driver. They
 * mirror the memory driver's checks, so that both reject the same inputs with the same
 * `VALIDATION_FAILED` errors.
 *
 * @internal
 * @module
 */
import { LeadCallError } from '@leadcall/core'

/** A `VALIDATION_FAILED` error. @internal */
export function invalid(message: string, details?: unknown): LeadCallError {
  return new LeadCallError('VALIDATION_FAILED', { message, details })
}

/** Serialises a JSON value, or throws `VALIDATION_FAILED` when it is not one. @internal */
export function encodeJson(value: unknown, what: string): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (cause) {
    throw new LeadCallError('VALIDATION_FAILED', { message: `${what} is not a JSON value`, cause })
  }
  if (text === undefined) throw invalid(`${what} is not a JSON value`)
  return text
}

/** Throws `VALIDATION_FAILED` unless `value` is a non-empty string. @internal */
export function assertName(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${what} must be a non-empty string`)
}

/** Throws `VALIDATION_FAILED` unless `value` is a finite number. @internal */
export function assertFinite(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${what} must be a finite number`)
}

/** Throws `VALIDATION_FAILED` unless `value` is a finite number greater than 0. @internal */
export function assertPositive(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw invalid(`${what} must be a finite number greater than 0`)
}

/** Throws `VALIDATION_FAILED` unless `value` is an integer of at least `min`. @internal */
export function assertInteger(value: unknown, what: string, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw invalid(min === 0 ? `${what} must be a non-negative integer` : `${what} must be a positive integer`)
}

/**
 * A finite number as the decimal text passed to a script: the shortest text that reads back as the
 * same double (`String`), with `-0` written as `0` so that it orders like `0`. @internal
 */
export function numberText(value: number): string {
  return value === 0 ? '0' : String(value)
}

/** A script argument for an optional number: its text, or `''` when absent. @internal */
export function optionalNumber(value: number | undefined): string {
  return value === undefined ? '' : numberText(value)
}

/** Milliseconds as a whole number for Redis (PX/PXAT take integers): rounded up, at least 1. @internal */
export function wholeMs(ms: number): number {
  return Math.max(1, Math.ceil(ms))
}
