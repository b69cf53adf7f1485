/**
 * Helpers shared by the storage and the migrations that need nothing but Node: the schema name
 * rules and abortable waiting. (The migrations and the CLI import no runtime code of
 * `@leadcall/core`, so that `leadcall-postgres migrate` runs on its own.)
 *
 * @internal
 * @module
 */

/** The schema every table lives in unless told otherwise. @internal */
export const DEFAULT_SCHEMA = 'leadcall'

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/**
 * What is wrong with a schema name, or `undefined` when it is fine. Only plain identifiers are
 * accepted (letters, digits and `_`, not starting with a digit, at most 63 characters). @internal
 */
export function schemaProblem(schema: unknown): string | undefined {
  if (typeof schema === 'string' && IDENTIFIER.test(schema)) return undefined
  return `schema must be an identifier (letters, digits and _, not starting with a digit, at most 63 characters), got ${JSON.stringify(schema)}`
}

/**
 * A valid schema name quoted for SQL: quoted although it is a plain identifier, so that it is used
 * exactly as given (case included). @internal
 */
export function quoteSchemaName(schema: string): string {
  return `"${schema}"`
}

/** Races `task` against `signal`: rejects with the signal's reason as soon as it aborts. @internal */
export function abortable<T>(signal: AbortSignal, task: (aborted: () => boolean) => Promise<T>): Promise<T> {
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    let done = false
    const onAbort = () => {
      if (done) return
      done = true
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    task(() => done).then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        if (done) return
        done = true
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        if (done) return
        done = true
        reject(error)
      },
    )
  })
}
