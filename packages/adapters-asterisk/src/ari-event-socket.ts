/**
 * The ARI events WebSocket (`GET /ari/events?app=…`) with reconnects: exponential backoff with
 * jitter after a drop, a ping keep-alive that detects dead connections, and `ready()` for callers
 * that need the socket before acting (a dial must not ring a phone whose answer nobody would hear).
 *
 * @internal
 * @module
 */
import { Buffer } from 'node:buffer'
import { LeadCallError, type Logger } from '@leadcall/core/provider'
import WebSocket from 'ws'
import { type BackoffOptions, backoffDelay } from './ari-backoff.js'

/** The timer functions the socket uses; replaceable in tests. @internal */
export interface SocketTimers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  setInterval(callback: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}

const realTimers: SocketTimers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms)
    handle.unref?.()
    return handle
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  setInterval: (callback, ms) => {
    const handle = setInterval(callback, ms)
    handle.unref?.()
    return handle
  },
  clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
}

/** Options of {@link createAriEventSocket}. @internal */
export interface AriEventSocketOptions {
  /** The `ws:`/`wss:` URL, built when connecting (credentials are resolved lazily). */
  url: () => string
  /** The headers of the upgrade request (`Authorization`), built when connecting. */
  headers: () => Record<string, string>
  /** How long the opening handshake may take (ms). */
  handshakeTimeoutMs: number
  /** Interval of the ping keep-alive (ms); a connection that missed a pong is dropped. 0 disables it. */
  keepAliveMs: number
  /** Reconnect delays. */
  backoff: BackoffOptions
  /** Source of jitter, default `Math.random`. */
  random?: () => number
  /** Timer functions, default the global ones (unref'd). */
  timers?: SocketTimers
  /** Receives each text frame. */
  onMessage: (text: string) => void
  /** Called when a connection opens; `reconnected` is true for every connection after the first. */
  onOpen: (info: { reconnected: boolean }) => void
  /** Where connection problems are logged. */
  logger: Logger
}

/** The events WebSocket, see {@link createAriEventSocket}. @internal */
export interface AriEventSocket {
  /** Opens the connection if it is not open or opening (no-op after `close`). */
  start(): void
  /**
   * Resolves once the connection is open. When it is not, connects now (cutting a backoff short)
   * and rejects with a `LeadCallError` (`CALL_FAILED`) when that attempt fails, after `timeoutMs`,
   * or with the signal's reason when it aborts.
   */
  ready(signal: AbortSignal | undefined, timeoutMs: number): Promise<void>
  /** True while a connection is open. */
  readonly connected: boolean
  /** How many connections opened so far. */
  readonly opens: number
  /** Stops for good: cancels timers, closes the connection, rejects waiters. Resolves once it is closed. */
  close(): Promise<void>
}

interface Waiter {
  resolve(): void
  reject(error: unknown): void
}

/** Why a connection attempt failed. */
interface Failure {
  status?: number
  message: string
}

function failureError(failure: Failure): LeadCallError {
  if (failure.status === 401 || failure.status === 403) {
    return new LeadCallError('CALL_FAILED', {
      message:
        failure.status === 401
          ? 'Asterisk refused the ARI credentials (401) on the events WebSocket: check the username and password against the user section (type=user) of ari.conf'
          : 'Asterisk refused the events WebSocket (403): this address may be refused by permit/deny/acl in ari.conf',
      details: { operation: 'connect events WebSocket', ariStatus: failure.status },
      retryable: false,
    })
  }
  return new LeadCallError('CALL_FAILED', {
    message: `The ARI events WebSocket is not connected: ${failure.message}`,
    details: {
      operation: 'connect events WebSocket',
      ...(failure.status === undefined ? {} : { ariStatus: failure.status }),
    },
  })
}

/** Creates the socket; nothing connects before `start()` or `ready()`. @internal */
export function createAriEventSocket(options: AriEventSocketOptions): AriEventSocket {
  const timers = options.timers ?? realTimers
  const random = options.random ?? Math.random
  const waiters = new Set<Waiter>()
  let socket: WebSocket | undefined
  let open = false
  let closed = false
  let opens = 0
  let attempt = 0
  let retryTimer: unknown
  let keepAliveTimer: unknown
  let closing: Promise<void> | undefined

  function settleWaiters(error?: unknown): void {
    for (const waiter of [...waiters]) {
      waiters.delete(waiter)
      if (error === undefined) waiter.resolve()
      else waiter.reject(error)
    }
  }

  function stopKeepAlive(): void {
    if (keepAliveTimer !== undefined) timers.clearInterval(keepAliveTimer)
    keepAliveTimer = undefined
  }

  function scheduleRetry(): void {
    if (closed || retryTimer !== undefined) return
    const delay = backoffDelay(attempt, options.backoff, random)
    attempt++
    options.logger.info({ delayMs: delay, attempt }, 'ARI events WebSocket: reconnecting')
    retryTimer = timers.setTimeout(() => {
      retryTimer = undefined
      connect()
    }, delay)
  }

  function connect(): void {
    if (closed || socket !== undefined) return
    if (retryTimer !== undefined) {
      timers.clearTimeout(retryTimer)
      retryTimer = undefined
    }
    let url: string
    let headers: Record<string, string>
    try {
      url = options.url()
      headers = options.headers()
    } catch (error) {
      // Missing or invalid configuration: retrying would not help; waiters learn why.
      settleWaiters(error)
      return
    }
    let failure: Failure | undefined
    let ws: WebSocket
    try {
      ws = new WebSocket(url, ['ari'], {
        headers,
        handshakeTimeout: options.handshakeTimeoutMs,
        perMessageDeflate: false,
      })
    } catch (error) {
      settleWaiters(failureError({ message: error instanceof Error ? error.message : String(error) }))
      scheduleRetry()
      return
    }
    socket = ws
    ws.on('unexpected-response', (_request, response) => {
      failure = {
        status: response.statusCode ?? 0,
        message: `HTTP ${response.statusCode} ${response.statusMessage ?? ''}`.trim(),
      }
      response.resume()
      ws.terminate()
    })
    ws.on('open', () => {
      if (closed) {
        ws.terminate()
        return
      }
      open = true
      attempt = 0
      const reconnected = opens > 0
      opens++
      let alive = true
      ws.on('pong', () => {
        alive = true
      })
      if (options.keepAliveMs > 0) {
        keepAliveTimer = timers.setInterval(() => {
          if (!alive) {
            options.logger.warn({}, 'ARI events WebSocket: no pong, dropping the connection')
            ws.terminate()
            return
          }
          alive = false
          try {
            ws.ping()
          } catch {
            // The socket is closing; its close event takes over.
          }
        }, options.keepAliveMs)
      }
      options.logger.info({ reconnected }, 'ARI events WebSocket: connected')
      settleWaiters()
      options.onOpen({ reconnected })
    })
    ws.on('message', (data, isBinary) => {
      if (isBinary || closed) return
      options.onMessage(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : data.toString())
    })
    ws.on('error', (error) => {
      failure ??= { message: error.message }
    })
    ws.on('close', (code) => {
      const wasOpen = open
      if (socket === ws) socket = undefined
      open = false
      stopKeepAlive()
      if (closed) return
      if (wasOpen) {
        options.logger.warn({ code }, 'ARI events WebSocket: connection lost')
      } else {
        const why = failure ?? { message: `closed during the handshake (code ${code})` }
        options.logger.warn(
          { status: why.status, reason: why.message },
          'ARI events WebSocket: connect failed',
        )
        settleWaiters(failureError(why))
      }
      scheduleRetry()
    })
  }

  return {
    start: connect,
    get connected() {
      return open
    },
    get opens() {
      return opens
    },
    ready(signal, timeoutMs) {
      if (signal?.aborted) return Promise.reject(signal.reason)
      if (closed) {
        return Promise.reject(
          new LeadCallError('CALL_FAILED', { message: 'The Asterisk provider is closed', retryable: false }),
        )
      }
      if (open) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        const cleanup = (): void => {
          waiters.delete(waiter)
          timers.clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
        }
        const waiter: Waiter = {
          resolve: () => {
            cleanup()
            resolve()
          },
          reject: (error) => {
            cleanup()
            reject(error)
          },
        }
        const onAbort = (): void => waiter.reject(signal?.reason)
        const timer = timers.setTimeout(
          () =>
            waiter.reject(
              new LeadCallError('CALL_FAILED', {
                message: `The ARI events WebSocket did not connect within ${timeoutMs} ms`,
                details: { operation: 'connect events WebSocket', timeoutMs },
              }),
            ),
          timeoutMs,
        )
        signal?.addEventListener('abort', onAbort, { once: true })
        waiters.add(waiter)
        connect()
      })
    },
    close() {
      if (closing) return closing
      closed = true
      if (retryTimer !== undefined) timers.clearTimeout(retryTimer)
      retryTimer = undefined
      stopKeepAlive()
      settleWaiters(
        new LeadCallError('CALL_FAILED', { message: 'The Asterisk provider is closed', retryable: false }),
      )
      const ws = socket
      closing = new Promise<void>((resolve) => {
        if (!ws || ws.readyState === WebSocket.CLOSED) {
          resolve()
          return
        }
        ws.once('close', () => resolve())
        ws.terminate()
      })
      return closing
    },
  }
}
