/**
 * Conformance tests of dialing: what the vendor receives, how its failures map to error codes,
 * timeouts, aborted signals, hang-up.
 *
 * @internal
 * @module
 */
import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../errors/lead-call-error.js'
import {
  declared,
  dialRequest,
  expectedAgentRef,
  expectLeadCallError,
  expectNoSecrets,
  LEAD_PHONE,
  type TelephonyKit,
  until,
} from './telephony-test-context.js'

/** A request timeout short enough for the timeout test, long enough for any mock to receive the request. */
const SHORT_REQUEST_TIMEOUT_MS = 100
/** A request timeout that never fires during a test: only the signal may end the request. */
const LONG_REQUEST_TIMEOUT_MS = 600_000

/** Registers the dial tests. @internal */
export function dialConformance(kit: TelephonyKit): void {
  const { backend } = kit

  describe('dial', () => {
    it('places a call in its default mode: the vendor receives the agent and the lead', async () => {
      const provider = await kit.provider()
      const result = await provider.dial(dialRequest(provider, backend))
      expect(typeof result).toBe('object')
      if (result.providerCallId !== undefined) {
        expect(typeof result.providerCallId).toBe('string')
        expect(result.providerCallId.length).toBeGreaterThan(0)
      }
      const dials = backend.dials()
      expect(dials, 'exactly one request to the vendor').toHaveLength(1)
      expect(dials[0]?.agent).toBe(expectedAgentRef(backend))
      expect(dials[0]?.lead).toBe(LEAD_PHONE)
    })

    it.each(['agent_first', 'lead_first'] as const)(
      'places %s calls when the mode is declared',
      async (mode) => {
        const provider = await kit.provider()
        if (!declared(provider, mode === 'agent_first' ? 'agentFirstDial' : 'leadFirstDial')) return
        await provider.dial(dialRequest(provider, backend, { mode }))
        const dials = backend.dials()
        expect(dials).toHaveLength(1)
        expect(dials[0]?.agent).toBe(expectedAgentRef(backend))
        expect(dials[0]?.lead).toBe(LEAD_PHONE)
      },
    )

    it('dials with recording and machine detection when it declares them', async () => {
      const provider = await kit.provider()
      const record = declared(provider, 'recording')
      const machineDetection = declared(provider, 'machineDetection')
      if (!record && !machineDetection) return
      await provider.dial(dialRequest(provider, backend, { record, machineDetection }))
      expect(backend.dials()).toHaveLength(1)
    })
  })

  describe('vendor failures', () => {
    if (backend.failures.length === 0) it.skip('maps vendor failures (the backend simulates none)', () => {})
    else
      it.each(backend.failures.map((failure) => [failure.name, failure] as const))(
        'maps %s to its LeadCallError code',
        async (_name, failure) => {
          const provider = await kit.provider()
          await failure.arrange()
          const error = await expectLeadCallError(
            provider.dial(dialRequest(provider, backend)),
            backend,
            failure.expectedCode,
          )
          expect(error.status).toBeGreaterThanOrEqual(400)
        },
      )

    it('gives PROVIDER_TIMEOUT when the vendor does not answer in time, leaving no request open', async () => {
      const provider = await kit.provider({ requestTimeoutMs: SHORT_REQUEST_TIMEOUT_MS })
      backend.hang()
      await expectLeadCallError(provider.dial(dialRequest(provider, backend)), backend, 'PROVIDER_TIMEOUT')
      const pending = backend.pendingRequests
      if (pending) await until(() => pending() === 0)
    })
  })

  describe('abort', () => {
    it('rejects at once for an already aborted signal, without calling the vendor', async () => {
      const provider = await kit.provider()
      const controller = new AbortController()
      controller.abort(new Error('kit: aborted before the call'))
      await expect(
        provider.dial(dialRequest(provider, backend), { signal: controller.signal }),
      ).rejects.toBeDefined()
      if (declared(provider, 'hangup') && provider.hangup) {
        await expect(provider.hangup('kit-call', { signal: controller.signal })).rejects.toBeDefined()
      }
      if (declared(provider, 'presence') && provider.listAgentPresence) {
        await expect(provider.listAgentPresence({ signal: controller.signal })).rejects.toBeDefined()
      }
      expect(backend.dials()).toEqual([])
    })

    it('rejects a dial in flight when its signal aborts, leaving no request open', async () => {
      const provider = await kit.provider({ requestTimeoutMs: LONG_REQUEST_TIMEOUT_MS })
      backend.hang()
      const controller = new AbortController()
      const reason = new Error('kit: aborted in flight')
      let settled = false
      const dialing = provider
        .dial(dialRequest(provider, backend), { signal: controller.signal })
        .finally(() => {
          settled = true
        })
      dialing.catch(() => undefined)
      // Abort once the vendor holds the request (or the dial already failed on its own).
      await until(() => backend.dials().length > 0 || settled)
      controller.abort(reason)
      let caught: unknown
      try {
        await dialing
      } catch (error) {
        caught = error
      }
      expect(caught, 'the dial should reject').toBeDefined()
      expectNoSecrets(caught, backend)
      // The signal's reason, an AbortError, or a LeadCallError: never a success nor a hang.
      const recognised =
        caught === reason ||
        (caught instanceof Error && caught.name === 'AbortError') ||
        LeadCallError.isInstance(caught)
      expect(recognised, `unexpected rejection: ${String(caught)}`).toBe(true)
      const pending = backend.pendingRequests
      if (pending) await until(() => pending() === 0)
    })
  })

  describe('hang-up', () => {
    it('ends a placed call when it declares hangup', async () => {
      const provider = await kit.provider()
      if (!declared(provider, 'hangup') || !provider.hangup) return
      const result = await provider.dial(dialRequest(provider, backend))
      if (result.providerCallId === undefined) return
      await expect(provider.hangup(result.providerCallId)).resolves.toBeUndefined()
    })
  })
}
