/**
 * Query strings and JSON bodies read through zod schemas: every problem reported at once as a
 * 400 `VALIDATION_FAILED`.
 *
 * @module
 */
import { z } from 'zod'
import { validationError } from '../errors/validation.js'

/** The query parameters of `url` as a plain object (the first value of a repeated name wins). */
export function queryOf(url: URL): Record<string, string> {
  const query: Record<string, string> = Object.create(null)
  for (const [name, value] of url.searchParams) if (!(name in query)) query[name] = value
  return query
}

/** Parses `input` with `schema`, throwing a `VALIDATION_FAILED` error naming `what` on failure. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input)
  if (!result.success) throw validationError(what, result.error)
  return result.data
}

/** A query limit: an integer from 1 to `max`. */
export const limitParam = (max: number) => z.coerce.number().int().min(1).max(max)

/** A time bound: ms since epoch (digits) or an ISO 8601 date or date-time. */
export const timeParam = z
  .string()
  .trim()
  .refine((value) => /^\d+$/.test(value) || !Number.isNaN(Date.parse(value)), {
    message: 'Expected an ISO 8601 date or ms since epoch',
  })
  .transform((value): string | number => (/^\d+$/.test(value) ? Number(value) : value))
