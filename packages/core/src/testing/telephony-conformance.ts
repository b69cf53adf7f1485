/**
 * The conformance kit of the telephony provider specification: {@link telephonyConformance}, the
 * {@link TelephonyMockBackend} an adapter supplies to run it, and {@link callEventIdentity}.
 *
 * @module
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from 'vitest'
import type { CallEvent } from '../domain/call-event.js'
import type { LeadCallErrorCode } from '../errors/lead-call-error.js'
import type {
  AgentPresenceReport,
  DialRequest,
  DialResult,
  TelephonyProviderV1,
} from '../telephony/telephony-provider.js'
import { dialConformance } from './telephony-conformance-dial.js'
import { eventConformance } from './telephony-conformance-events.js'
import { shapeConformance } from './telephony-conformance-shape.js'
import type { TelephonyKit } from './telephony-test-context.js'

/**
 * An outcome of a call a {@link TelephonyMockBackend} can play, and the call status the provider's
 * events must lead to: `answered` ends `completed` (after an answer), the others end with the
 * status of their name.
 */
export type TelephonyOutcome = 'answered' | 'no_answer' | 'busy' | 'failed'

/** What the kit passes to `makeProvider` for each test. */
export interface TelephonyProviderContext {
  /**
   * The longest one request to the vendor may take, in ms, for the tests that need a short one
   * (a hanging vendor must give `PROVIDER_TIMEOUT`). Absent: the provider's default. Configure the
   * provider with it (e.g. `twilio({ ..., timeoutMs: context.requestTimeoutMs })`).
   */
  requestTimeoutMs?: number
}

/** A call the kit placed, handed back to the backend to play its outcome. */
export interface TelephonyCallContext {
  /** The dial request the kit sent. */
  request: DialRequest
  /** What the provider's `dial` resolved with. */
  result: DialResult
}

/** One dial request as the vendor received it, in the vendor's own terms. */
export interface ObservedDial {
  /**
   * Who the vendor was asked to connect as the agent: the value of
   * {@link TelephonyMockBackend.agentRef} when given, else the agent's phone (`+14155550100`).
   */
  agent: string
  /** The number the vendor was asked to call as the lead (the kit's lead is `+14155550199`). */
  lead: string
  /** The request as received, shown when an assertion fails. */
  raw?: unknown
}

/** A failure of the vendor's API that a {@link TelephonyMockBackend} can simulate. */
export interface SimulatedVendorFailure {
  /** What fails, as the test's name shows it, e.g. `400 invalid 'To' number (21211)`. */
  name: string
  /** The `LeadCallError` code the provider must map it to, e.g. `VALIDATION_FAILED`. */
  expectedCode: LeadCallErrorCode
  /** Makes the next dial request fail this way (until the next reset). */
  arrange(): void | Promise<void>
}

/**
 * How a webhook request is signed: as the vendor signs it, signed then altered (a parameter
 * changed or added after signing), or without its signature.
 */
export type WebhookSigning = 'valid' | 'tampered' | 'unsigned'

/** How a vendor that reports call progress over HTTP (Twilio, CloudTalk) delivers its events. */
export interface WebhookEventDelivery {
  /** Events arrive as HTTP requests the host passes to `provider.parseWebhook`. */
  kind: 'webhook'
  /**
   * The webhook requests the vendor sends for `call` when it ends with `outcome`, in the order the
   * vendor sends them, addressed to the URLs the provider configured. Builds new `Request`s on every
   * call. With `signing` other than `valid`, every request is tampered with or unsigned (only asked
   * of providers that declare `signedWebhooks`).
   */
  requests(
    outcome: TelephonyOutcome,
    call: TelephonyCallContext,
    signing: WebhookSigning,
  ): Request[] | Promise<Request[]>
}

/** How a vendor that pushes events over a connection (Asterisk ARI's WebSocket) delivers them. */
export interface SocketEventDelivery {
  /** Events arrive over a connection the provider holds and go to the sink given to `connect`. */
  kind: 'socket'
  /**
   * Sends, over the connection the provider opened, the vendor's events for `call` when it ends
   * with `outcome`, in order, each frame `repeat` times in a row (2 for the duplicate test).
   * Resolves once every frame was sent.
   */
  emit(outcome: TelephonyOutcome, call: TelephonyCallContext, options: { repeat: number }): Promise<void>
}

/** The vendor's agent statuses, for providers that declare `presence`. */
export interface TelephonyPresenceFixture {
  /** Every vendor status the backend can report, with the status the provider must map it to. */
  statuses: Readonly<Record<string, AgentPresenceReport['status']>>
  /** Makes the vendor report exactly these agents, with these vendor statuses (until the next reset). */
  arrange(agents: ReadonlyArray<{ providerAgentId: string; vendorStatus: string }>): void | Promise<void>
}

/**
 * A mock of the vendor, supplied by the adapter under test: an HTTP mock (msw) for REST vendors,
 * plus a socket server for vendors that push events. The kit runs its tests one after another and
 * calls `reset` after each, so one backend serves them all.
 *
 * @example
 * ```ts
 * const backend: TelephonyMockBackend = {
 *   secrets: [authToken],
 *   delivery: { kind: 'webhook', requests: (outcome, call, signing) => statusCallbacks(outcome, call, signing) },
 *   failures: [
 *     { name: '429 too many requests', expectedCode: 'RATE_LIMITED', arrange: () => failNext(429, 20429) },
 *   ],
 *   hang: () => hangEverything(),
 *   pendingRequests: () => pending.size,
 *   dials: () => seen.map((body) => ({ agent: body.get('To')!, lead: leadOf(body), raw: body })),
 *   setup: () => server.listen({ onUnhandledRequest: 'error' }),
 *   reset: () => resetMock(),
 *   teardown: () => server.close(),
 * }
 * ```
 */
export interface TelephonyMockBackend {
  /**
   * Every credential the provider is configured with (tokens, secrets, passwords, and derived forms
   * such as the Base64 of a Basic `user:password`). None may appear in any error the provider
   * throws: its message, stack, `JSON.stringify`, `details`, or anywhere along its `cause` chain.
   */
  secrets: readonly string[]
  /** How the vendor delivers call events. */
  delivery: WebhookEventDelivery | SocketEventDelivery
  /** The outcomes the backend can play (default: all four). */
  outcomes?: readonly TelephonyOutcome[]
  /**
   * The agent's id at the vendor, which the kit puts in `agent.providerRefs[provider.name]` (e.g. a
   * CloudTalk agent id, `PJSIP/1001`). Absent: the kit's agent has none and the provider dials
   * `agent.phone`.
   */
  agentRef?: string
  /** The vendor failures the backend can simulate, each with the code the provider must map it to. */
  failures: readonly SimulatedVendorFailure[]
  /** Makes every later request hang, never answered, until the next reset (or until it is aborted). */
  hang(): void
  /**
   * How many requests the backend received whose connection is still open (not answered, not
   * aborted). When given, the kit checks that a timed-out or aborted request leaves none behind.
   */
  pendingRequests?(): number
  /** The dial requests received since the last reset, oldest first; a hanging one counts once received. */
  dials(): ObservedDial[]
  /** The vendor's agent statuses; needed when the provider declares `presence`. */
  presence?: TelephonyPresenceFixture
  /** Starts the mock, once before the kit's tests (e.g. `server.listen()`). */
  setup?(): void | Promise<void>
  /** Forgets what it saw and every arranged failure or hang; called before and after each test. */
  reset?(): void | Promise<void>
  /** Stops the mock, once after the kit's tests. */
  teardown?(): void | Promise<void>
}

/** Options of {@link telephonyConformance}. */
export interface TelephonyConformanceOptions {
  /**
   * Skips the whole kit with this reason, shown as the name of the skipped suite (e.g. when the
   * vendor mock cannot start). `false` or absent runs it.
   */
  skip?: string | false
}

/**
 * The identity of a call event for de-duplication: provider, call (the provider's id, else the
 * attempt), leg, type and the provider's `sequence`. The same delivery, repeated, must give events
 * with equal identities; the kit compares them with this function. The time `at` is not part of
 * it, so a provider may stamp events with their arrival time when the vendor sends none.
 */
export function callEventIdentity(event: CallEvent): string {
  return JSON.stringify([
    event.provider,
    event.providerCallId ?? event.attemptId ?? null,
    event.party ?? null,
    event.type,
    event.sequence ?? null,
  ])
}

/**
 * Registers, with vitest, the tests every {@link TelephonyProviderV1} adapter must pass against a
 * mock of its vendor:
 *
 * - **shape**: the v1 specification, its capabilities, the methods they promise, and a
 *   `LeadCallError` for every operation, mode or dial option that is not declared;
 * - **dial**: the vendor receives the agent and the lead, in each declared mode; each vendor
 *   failure the backend simulates maps to its code; a hanging vendor gives `PROVIDER_TIMEOUT`; an
 *   aborted signal rejects and leaves no request pending; a declared hang-up works;
 * - **events**: webhooks (or socket frames) become valid {@link CallEvent}s, in order, that take a
 *   call to `completed`, `no_answer`, `busy` or `failed`; a repeated delivery gives events with the
 *   same {@link callEventIdentity}; a tampered or unsigned webhook is refused with
 *   `INVALID_SIGNATURE` when `signedWebhooks` is declared; presence statuses map as the backend
 *   says;
 * - **secrets**: no credential of `mockBackend.secrets` appears in any error the kit sees.
 *
 * Call it at the top level of a test file. Each test gets its own provider from `makeProvider`
 * (closed after the test, when it has `close`). The kit never asserts on how long something took;
 * vitest's test timeout is the only clock.
 *
 * @example
 * ```ts
 * // packages/adapters-twilio/src/twilio-conformance.test.ts
 * import { telephonyConformance } from '@leadcall/core/testing'
 * import { twilio } from './twilio-provider.js'
 * import { twilioMockBackend } from './twilio-mock.test-util.js'
 *
 * const mock = twilioMockBackend()
 * telephonyConformance('twilio', (context) => twilio({ ...mock.options, timeoutMs: context.requestTimeoutMs }), mock.backend)
 * ```
 *
 * @param name - The adapter's name, used in the suite's name.
 * @param makeProvider - Creates a provider wired to the mock; called once per test.
 * @param mockBackend - The vendor mock; see {@link TelephonyMockBackend}.
 * @param options - See {@link TelephonyConformanceOptions}.
 */
export function telephonyConformance(
  name: string,
  makeProvider: (context: TelephonyProviderContext) => TelephonyProviderV1 | Promise<TelephonyProviderV1>,
  mockBackend: TelephonyMockBackend,
  options: TelephonyConformanceOptions = {},
): void {
  if (typeof options.skip === 'string') {
    describe.skip(options.skip, () => {
      it(`${name} telephony conformance`, () => {})
    })
    return
  }

  const open: TelephonyProviderV1[] = []
  const kit: TelephonyKit = {
    backend: mockBackend,
    async provider(context = {}) {
      const provider = await makeProvider(context)
      open.push(provider)
      return provider
    },
  }

  describe(`${name} telephony conformance`, () => {
    beforeAll(async () => {
      await mockBackend.setup?.()
    })
    beforeEach(async () => {
      await mockBackend.reset?.()
    })
    afterEach(async () => {
      // Reset first: it releases hanging requests, so closing a provider never waits on them.
      await mockBackend.reset?.()
      const providers = open.splice(0)
      await Promise.all(providers.map((provider) => provider.close?.()))
    })
    afterAll(async () => {
      await mockBackend.teardown?.()
    })

    shapeConformance(kit)
    dialConformance(kit)
    eventConformance(kit)
  })
}
