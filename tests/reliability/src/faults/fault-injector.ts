/**
 * A seeded fault injector in front of a vendor's msw mock. Each request to the vendor's origin
 * either fails with a 5xx, hangs past the adapter's timeout without ever reaching the vendor,
 * answers 429 with `Retry-After`, is accepted by the vendor with its answer lost, or passes on to
 * the faithful vendor mock. While a `Retry-After` window is open every request is answered 429
 * again, as the vendor would, and counted as a violation.
 */
import { type AnyHandler, getResponse, HttpResponse, http, type RequestHandler } from 'msw'

/** What happened to one request at the injector. */
export type FaultOutcome = 'server_error' | 'hang' | 'rate_limited' | 'too_early' | 'lost_answer' | 'passed'

/** One request the injector saw. */
export interface InjectedRequest {
  at: number
  method: string
  path: string
  outcome: FaultOutcome
}

/** A 429 the injector answered: the window no request should arrive in. */
export interface RetryAfterWindow {
  answeredAt: number
  until: number
}

/** How often each fault happens (probabilities per request, summing to at most 1). */
export interface FaultRates {
  serverError: number
  hang: number
  rateLimited: number
  /** The vendor accepts the request but its answer never comes back (only on `acceptRoute`). */
  lostAnswer?: number
}

/** Options of {@link faultInjector}. */
export interface FaultInjectorOptions {
  /** The vendor's origin, e.g. `https://api.twilio.com`: every request below it goes through the injector. */
  origin: string
  seed: number
  rates: FaultRates
  /** `Retry-After` of the 429s, in seconds. */
  retryAfterSec: number
  /** The vendor's own handlers (`server.listHandlers()`): a lost answer is a request they accepted. */
  vendor: readonly AnyHandler[]
  /** Whether a request is the one whose acceptance places a call or creates a record. */
  acceptRoute: (method: string, path: string) => boolean
  /** The vendor's 5xx answer. */
  serverError: () => Response
  /** The vendor's 429 answer, with the `Retry-After` (and any vendor header) for `untilMs`. */
  rateLimited: (retryAfterSec: number, untilMs: number) => Response
  /** Only requests this returns true for are faulted (default: all); the others only are recorded. */
  applies?: (method: string, path: string) => boolean
}

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence of faults. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Creates the injector; put `handler` in front of the vendor's handlers (`server.use` or first in `setupServer`). */
export function faultInjector(options: FaultInjectorOptions) {
  const random = seededRandom(options.seed)
  const requests: InjectedRequest[] = []
  const windows: RetryAfterWindow[] = []
  const held = new Set<() => void>()
  let rates: FaultRates = options.rates
  let blockedUntil = 0
  /** Outcomes forced on the next requests, in order, before the rates decide again. */
  const forced: Exclude<FaultOutcome, 'too_early'>[] = []
  /** One-shot outcomes for the first request a test matches (e.g. by its JSON-RPC method). */
  const rules: {
    outcome: Exclude<FaultOutcome, 'too_early'>
    test: (body: string, path: string) => boolean
  }[] = []
  const origin = options.origin.replace(/\/+$/, '')
  const vendorHandlers = options.vendor.filter(
    (handler): handler is RequestHandler => !('kind' in handler && handler.kind === 'websocket'),
  )

  /** Holds until the client gives up (its timeout aborts the request) or the injector is released. */
  function hold(request: Request): Promise<void> {
    return new Promise<void>((resolve) => {
      const release = (): void => {
        held.delete(release)
        resolve()
      }
      held.add(release)
      if (request.signal.aborted) release()
      else request.signal.addEventListener('abort', release, { once: true })
    })
  }

  function note(request: Request, path: string, outcome: FaultOutcome): void {
    requests.push({ at: Date.now(), method: request.method, path, outcome })
  }

  const handler = http.all(`${origin}/*`, async ({ request }) => {
    const path = new URL(request.url).pathname
    const now = Date.now()
    if (now < blockedUntil) {
      note(request, path, 'too_early')
      return options.rateLimited(Math.ceil((blockedUntil - now) / 1000), blockedUntil)
    }
    if (options.applies && !options.applies(request.method, path)) {
      note(request, path, 'passed')
      return undefined
    }
    if (rules.length > 0) {
      const body = await request.clone().text()
      const index = rules.findIndex((rule) => rule.test(body, path))
      const rule = index < 0 ? undefined : rules.splice(index, 1)[0]
      if (rule) return apply(rule.outcome, request, path, now)
    }
    return apply(forced.shift() ?? pick(request.method, path), request, path, now)
  })

  /** What the rates decide for one request. */
  function pick(method: string, path: string): Exclude<FaultOutcome, 'too_early'> {
    const roll = random()
    let edge = rates.serverError
    if (roll < edge) return 'server_error'
    edge += rates.hang
    if (roll < edge) return 'hang'
    edge += rates.rateLimited
    if (roll < edge) return 'rate_limited'
    edge += rates.lostAnswer ?? 0
    if (roll < edge && options.acceptRoute(method, path)) return 'lost_answer'
    return 'passed'
  }

  async function apply(
    outcome: Exclude<FaultOutcome, 'too_early'>,
    request: Request,
    path: string,
    now: number,
  ): Promise<Response | undefined> {
    note(request, path, outcome)
    switch (outcome) {
      case 'server_error':
        return options.serverError()
      case 'hang':
        await hold(request)
        return new HttpResponse(null, { status: 504 })
      case 'rate_limited':
        blockedUntil = now + options.retryAfterSec * 1000
        windows.push({ answeredAt: now, until: blockedUntil })
        return options.rateLimited(options.retryAfterSec, blockedUntil)
      case 'lost_answer':
        // The vendor takes the request (the call is placed), then the answer is lost on the way back.
        await getResponse(vendorHandlers, request.clone())
        await hold(request)
        return new HttpResponse(null, { status: 504 })
      case 'passed':
        return undefined
    }
  }

  return {
    handler,
    requests,
    windows,
    /** Requests that arrived while a `Retry-After` window was open. */
    tooEarly: () => requests.filter((entry) => entry.outcome === 'too_early'),
    count: (outcome: FaultOutcome) => requests.filter((entry) => entry.outcome === outcome).length,
    /** Changes the rates from now on (e.g. a provider going down hard, then recovering). */
    setRates(next: FaultRates): void {
      rates = next
    },
    /** Forces the outcomes of the next faulted requests, in order. */
    force(...outcomes: Exclude<FaultOutcome, 'too_early'>[]): void {
      forced.push(...outcomes)
    },
    /** Gives `outcome` to the first request whose body (and path) `test` matches. */
    forceOn(
      outcome: Exclude<FaultOutcome, 'too_early'>,
      test: (body: string, path: string) => boolean,
    ): void {
      rules.push({ outcome, test })
    },
    /** Lets every held request go (teardown). */
    releaseAll(): void {
      for (const release of [...held]) release()
    },
  }
}

/** The injector's type. */
export type FaultInjector = ReturnType<typeof faultInjector>

/**
 * A `fetch` for an adapter's `fetch` option that records, on the client, when each request was
 * sent and when each 429 came back with its `Retry-After`: a request sent after a 429 was read
 * and before its `Retry-After` ran out did not honour it.
 */
export function retryAfterTap(
  /** When the vendor says, in its own header, that requests may resume (ms since the epoch), if it does. */
  resumeAt: (response: Response) => number | undefined = () => undefined,
) {
  const sent: number[] = []
  const limits: { receivedAt: number; until: number }[] = []
  const tapped: typeof fetch = async (input, init) => {
    sent.push(Date.now())
    const response = await globalThis.fetch(input, init)
    if (response.status === 429) {
      const receivedAt = Date.now()
      const seconds = Number(response.headers.get('retry-after'))
      if (Number.isFinite(seconds)) {
        // The earlier of the vendor's two statements, when it makes two.
        const vendorSays = resumeAt(response)
        const until = receivedAt + seconds * 1000
        limits.push({ receivedAt, until: vendorSays === undefined ? until : Math.min(until, vendorSays) })
      }
    }
    return response
  }
  return {
    fetch: tapped,
    sent,
    limits,
    /** How long after the 429 came back each request sent inside its `Retry-After` went (ms). */
    lateness(): number[] {
      return sent.flatMap((at) => {
        const limit = limits.find((l) => at > l.receivedAt && at < l.until - 5)
        return limit ? [at - limit.receivedAt] : []
      })
    },
    /**
     * Requests sent while a `Retry-After` the client had read was still running. Those sent within
     * `inFlightMs` of the 429 coming back had already been let through by the adapter before it
     * could read the answer (the response is read after the fetch resolves): they are in flight,
     * not ignoring it. 5 ms of margin cover the whole seconds of the header.
     */
    violations(inFlightMs = 25): number[] {
      return sent.filter((at) =>
        limits.some((limit) => at > limit.receivedAt + inFlightMs && at < limit.until - 5),
      )
    },
  }
}
