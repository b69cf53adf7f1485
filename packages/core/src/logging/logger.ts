/** One log method: pino's `(obj, msg)` and `(msg)` call forms. */
export interface LogFn {
  (obj: Record<string, unknown>, msg?: string): void
  (msg: string): void
}

/**
 * The logger leadcall writes to: any pino-compatible logger (pino itself, or an object with the
 * same methods). `child` is used when present to bind fields such as `processId`.
 */
export interface Logger {
  debug: LogFn
  info: LogFn
  warn: LogFn
  error: LogFn
  child?(bindings: Record<string, unknown>): Logger
}

const noop = (): void => {}

/** A logger that writes nothing: leadcall's default. */
export const silentLogger: Logger = Object.freeze({
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
})

/** Binds fields to every line of `logger`, using its `child` when it has one. */
export function childLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  if (logger.child) return logger.child(bindings)
  const bind =
    (fn: LogFn): LogFn =>
    (objOrMsg: Record<string, unknown> | string, msg?: string) =>
      typeof objOrMsg === 'string' ? fn({ ...bindings }, objOrMsg) : fn({ ...bindings, ...objOrMsg }, msg)
  return {
    debug: bind(logger.debug.bind(logger)),
    info: bind(logger.info.bind(logger)),
    warn: bind(logger.warn.bind(logger)),
    error: bind(logger.error.bind(logger)),
  }
}
