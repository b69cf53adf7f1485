/**
 * Lead intake: `POST /leads` (a generic JSON lead) and `POST /leads/import` (a CSV upload).
 *
 * @module
 */
import { z } from 'zod'
import type { ImportOptions } from '../import/import-leads.js'
import type { SubmitLeadOptions } from '../pipeline/lead-pipeline.js'
import { limitStream, mediaTypeOf, readJson } from './body.js'
import { badRequest, jsonResponse, payloadTooLarge, unsupportedMediaType } from './http-errors.js'
import type { HttpRoute, RouteContext } from './http-options.js'
import { checkPresentedSecret, intakeProtected, verifyLeadSignature } from './lead-intake-auth.js'
import { leadResponseBody, leadResponseStatus } from './lead-response.js'
import { parseInput, queryOf } from './query.js'

/** The longest `Idempotency-Key` kept (longer ones are cut, as the pipeline does). */
const MAX_IDEMPOTENCY_KEY = 200

/** Media types `POST /leads/import` accepts. */
export const CSV_MEDIA_TYPES: readonly string[] = ['text/csv', 'application/csv']

/** The `Idempotency-Key` header as submit options (none when absent or blank). */
export function idempotencyOf(request: Request): SubmitLeadOptions {
  const key = request.headers.get('idempotency-key')?.trim()
  return key ? { idempotencyKey: key.slice(0, MAX_IDEMPOTENCY_KEY) } : {}
}

/**
 * `POST /leads`: a JSON lead (any format `submitLead` reads). The client's disconnection does not
 * abort it: a lead once read is processed.
 */
async function postLead({ app, options, request, url }: RouteContext): Promise<Response> {
  // A presented secret is checked before the body is read; a signature once it is.
  const how = intakeProtected(options.leads) ? checkPresentedSecret(request, url, options.leads) : 'open'
  const { raw, value } = await readJson(request, options.maxBodyBytes)
  if (how === 'signed') verifyLeadSignature(request, raw, options.leads, app.config.now?.() ?? Date.now())
  const result = await app.submitLead(value, idempotencyOf(request))
  return jsonResponse(leadResponseBody(result), leadResponseStatus(result))
}

const ImportQuery = z.object({
  batchSize: z.coerce.number().int().optional(),
  concurrency: z.coerce.number().int().optional(),
  maxRejected: z.coerce.number().int().optional(),
  source: z.string().optional(),
  importId: z.string().optional(),
  delimiter: z.string().optional(),
  keepUnmappedColumns: z.enum(['true', 'false']).optional(),
})

/**
 * The import options of a `POST /leads/import` query: `batchSize`, `concurrency`, `maxRejected`,
 * `source`, `importId` (else the `Idempotency-Key` header), `delimiter`, `keepUnmappedColumns`, and
 * `mapping.<field>=<column>` pairs (e.g. `mapping.phone=Phone%20Number`).
 */
function importOptionsOf(url: URL, request: Request): ImportOptions {
  const query = parseInput(ImportQuery, queryOf(url), 'import query')
  const mapping: Record<string, string> = Object.create(null)
  for (const [name, column] of url.searchParams) {
    if (name.startsWith('mapping.') && name.length > 'mapping.'.length) mapping[name.slice(8)] = column
  }
  const importId = query.importId ?? idempotencyOf(request).idempotencyKey
  const options: ImportOptions = { signal: request.signal }
  if (query.batchSize !== undefined) options.batchSize = query.batchSize
  if (query.concurrency !== undefined) options.concurrency = query.concurrency
  if (query.maxRejected !== undefined) options.maxRejected = query.maxRejected
  if (query.source !== undefined) options.source = query.source
  if (importId !== undefined) options.importId = importId
  if (query.delimiter !== undefined) options.delimiter = query.delimiter
  if (query.keepUnmappedColumns !== undefined)
    options.keepUnmappedColumns = query.keepUnmappedColumns === 'true'
  if (Object.keys(mapping).length > 0) options.mapping = { ...mapping }
  return options
}

/**
 * `POST /leads/import`: a `text/csv` body, streamed to `app.importLeads` (never held whole) within
 * `maxImportBytes`; answers the import summary. Options come from the query, see
 * {@link importOptionsOf}. The client's disconnection stops the import (the rows submitted stay;
 * sending the file again with the same `importId` skips them).
 */
async function postImport({ app, options, request, url }: RouteContext): Promise<Response> {
  const type = mediaTypeOf(request)
  if (type === null || !CSV_MEDIA_TYPES.includes(type)) throw unsupportedMediaType(type, CSV_MEDIA_TYPES)
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > options.maxImportBytes)
    throw payloadTooLarge(options.maxImportBytes)
  const importOptions = importOptionsOf(url, request)
  if (request.body === null) throw badRequest('The request body is empty; send the CSV file')
  const limited = limitStream(request.body, options.maxImportBytes)
  try {
    const summary = await app.importLeads(limited.stream, importOptions)
    return jsonResponse(summary, 200)
  } catch (error) {
    if (limited.exceeded()) throw payloadTooLarge(options.maxImportBytes)
    throw error
  }
}

/** The lead intake routes. */
export const leadsRoutes: readonly HttpRoute[] = [
  { method: 'POST', path: '/leads', management: false, handle: postLead },
  // A bulk upload is an operator's action, not a signed webhook: it goes through `authorize`.
  { method: 'POST', path: '/leads/import', management: true, handle: postImport },
]
