import { z } from 'zod'
import { ERROR_CODES, type LeadCallErrorCode } from '../errors/lead-call-error.js'

/** Zod schema of one of the stable {@link LeadCallErrorCode}s, for records that keep an error code. */
export const LeadCallErrorCodeSchema = z.enum(
  ERROR_CODES as unknown as [LeadCallErrorCode, ...LeadCallErrorCode[]],
)
