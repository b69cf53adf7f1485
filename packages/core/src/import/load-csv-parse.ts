import { LeadCallError } from '../errors/lead-call-error.js'

/** The part of the `csv-parse` module the importer uses. */
export type CsvParseModule = Pick<typeof import('csv-parse'), 'parse'>

let loaded: Promise<CsvParseModule> | undefined

/** True when `error` says that the `csv-parse` package cannot be found. */
function isMissing(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, message } = error as { code?: unknown; message?: unknown }
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    (typeof message !== 'string' || message.includes('csv-parse'))
  )
}

/**
 * Loads `csv-parse`, an optional peer dependency of `@leadcall/core`, on first use (later calls
 * share the same module).
 *
 * @param load - how to import it (default: `import('csv-parse')`, cached); tests pass a failing one.
 * @throws {LeadCallError} `VALIDATION_FAILED` ("Install csv-parse to import CSV files") when the
 * package is not installed.
 */
export async function loadCsvParse(load?: () => Promise<CsvParseModule>): Promise<CsvParseModule> {
  if (!load && !loaded) loaded = import('csv-parse')
  const attempt = load ? load() : (loaded as Promise<CsvParseModule>)
  try {
    return await attempt
  } catch (error) {
    if (!load) loaded = undefined
    if (isMissing(error)) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: 'Install csv-parse to import CSV files',
        cause: error,
      })
    }
    throw error
  }
}
