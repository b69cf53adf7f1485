/**
 * Conformance tests of a CRM adapter's failures: the vendor's errors mapped to error codes,
 * timeouts, aborted signals.
 *
 * @internal
 * @module
 */
import { describe, expect, it } from 'vitest'
import { LeadCallError } from '../errors/lead-call-error.js'
import {
  type CrmKit,
  expectLeadCallError,
  expectNoSecrets,
  kitInput,
  recordsOf,
  until,
} from './crm-conformance-context.js'

/** A request timeout short enough for the timeout test, long enough for any mock to receive the request. */
const SHORT_REQUEST_TIMEOUT_MS = 100
/** A request timeout that never fires during a test: only the signal may end the request. */
const LONG_REQUEST_TIMEOUT_MS = 600_000

/** Registers the failure, timeout and abort tests. @internal */
export function failureConformance(kit: CrmKit): void {
  const { backend } = kit

  describe('vendor failures', () => {
    if (backend.failures.length === 0) it.skip('maps vendor failures (the backend simulates none)', () => {})
    else
      it.each(backend.failures.map((failure) => [failure.name, failure] as const))(
        'maps %s to its LeadCallError code',
        async (_name, failure) => {
          const crm = await kit.adapter()
          await failure.arrange()
          const error = await expectLeadCallError(crm.upsertLead(kitInput()), backend, failure.expectedCode)
          expect(error.status).toBeGreaterThanOrEqual(400)
          expect(typeof error.retryable).toBe('boolean')
        },
      )

    it('gives PROVIDER_TIMEOUT when the vendor does not answer in time, leaving no request open', async () => {
      const crm = await kit.adapter({ requestTimeoutMs: SHORT_REQUEST_TIMEOUT_MS })
      backend.hang()
      await expectLeadCallError(crm.upsertLead(kitInput()), backend, 'PROVIDER_TIMEOUT')
      await until(() => backend.pendingRequests() === 0)
    })
  })

  describe('abort', () => {
    it('rejects at once for an already aborted signal, without calling the vendor', async () => {
      const crm = await kit.adapter()
      const controller = new AbortController()
      controller.abort(new Error('kit: aborted before the call'))
      await expect(crm.upsertLead(kitInput(), { signal: controller.signal })).rejects.toBeDefined()
      if (crm.capabilities.notes && crm.addNote) {
        await expect(crm.addNote('1', 'kit note', { signal: controller.signal })).rejects.toBeDefined()
      }
      expect(await recordsOf(backend)).toEqual([])
      if (backend.requestCount) expect(backend.requestCount(), 'requests sent').toBe(0)
    })

    it('rejects an upsert in flight when its signal aborts, leaving no request open', async () => {
      const crm = await kit.adapter({ requestTimeoutMs: LONG_REQUEST_TIMEOUT_MS })
      backend.hang()
      const controller = new AbortController()
      const reason = new Error('kit: aborted in flight')
      let settled = false
      const upserting = crm.upsertLead(kitInput(), { signal: controller.signal }).finally(() => {
        settled = true
      })
      upserting.catch(() => undefined)
      // Abort once the vendor holds a request (or the upsert already failed on its own).
      await until(() => backend.pendingRequests() > 0 || settled)
      controller.abort(reason)
      let caught: unknown
      let resolved = false
      try {
        await upserting
        resolved = true
      } catch (error) {
        caught = error
      }
      expect(resolved, 'the upsert should reject').toBe(false)
      expectNoSecrets(caught, backend)
      // The signal's reason, an AbortError, or a LeadCallError: never a success nor a hang.
      const recognised =
        caught === reason ||
        (caught instanceof Error && caught.name === 'AbortError') ||
        LeadCallError.isInstance(caught)
      expect(recognised, `unexpected rejection: ${String(caught)}`).toBe(true)
      await until(() => backend.pendingRequests() === 0)
    })
  })
}
