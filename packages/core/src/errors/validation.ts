import type { z } from 'zod'
import { LeadCallError } from './lead-call-error.js'

/** One problem found while validating input, see {@link validationError}. */
export interface ValidationIssue {
  /** Dotted path of the offending field (`''` for the root). */
  path: string
  /** What is wrong, in plain words. */
  message: string
}

/** Turns zod issues into plain `{ path, message }` pairs. */
export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((part) => (typeof part === 'symbol' ? part.toString() : String(part))).join('.'),
    message: issue.message,
  }))
}

/**
 * A `VALIDATION_FAILED` error listing every problem at once, readably:
 * `Invalid lead: phone: Required; email: Invalid email`. The problems come from a zod error or,
 * for checks written without zod, as a list of issues.
 */
export function validationError(what: string, error: z.ZodError | readonly ValidationIssue[]): LeadCallError {
  const issues = Array.isArray(error) ? [...error] : toValidationIssues(error as z.ZodError)
  const text = issues
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join('; ')
  return new LeadCallError('VALIDATION_FAILED', {
    message: `Invalid ${what}: ${text}`,
    details: { issues },
  })
}
