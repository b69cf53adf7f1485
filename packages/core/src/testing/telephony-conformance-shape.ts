/**
 * Conformance tests of a provider's shape: the v1 specification, honest capabilities, and a
 * `LeadCallError` for everything not declared.
 *
 * @internal
 * @module
 */
import { describe, expect, it } from 'vitest'
import type { CallMode } from '../domain/call-session.js'
import type { TelephonyCapabilities } from '../telephony/telephony-provider.js'
import {
  declared,
  dialRequest,
  expectLeadCallError,
  kitLead,
  MODE_CAPABILITY,
  type TelephonyKit,
} from './telephony-test-context.js'

const REQUIRED_FLAGS = [
  'agentFirstDial',
  'leadFirstDial',
  'contactSync',
  'presence',
  'hangup',
  'idempotentDial',
] as const satisfies readonly (keyof TelephonyCapabilities)[]

const OPTIONAL_FLAGS = [
  'campaignMode',
  'recording',
  'machineDetection',
  'signedWebhooks',
] as const satisfies readonly (keyof TelephonyCapabilities)[]

/** Registers the shape and capability tests. @internal */
export function shapeConformance(kit: TelephonyKit): void {
  const { backend } = kit

  describe('shape', () => {
    it('implements the v1 specification and declares every capability as a boolean', async () => {
      const provider = await kit.provider()
      expect(provider.specificationVersion).toBe('v1')
      expect(typeof provider.name).toBe('string')
      expect(provider.name.length).toBeGreaterThan(0)
      expect(typeof provider.dial).toBe('function')
      for (const flag of REQUIRED_FLAGS) expect(typeof provider.capabilities[flag], flag).toBe('boolean')
      for (const flag of OPTIONAL_FLAGS) {
        expect(['boolean', 'undefined'], flag).toContain(typeof provider.capabilities[flag])
      }
      expect(
        declared(provider, 'agentFirstDial') ||
          declared(provider, 'leadFirstDial') ||
          declared(provider, 'campaignMode'),
        'at least one dial mode',
      ).toBe(true)
    })

    it('has the methods its capabilities and its event delivery promise', async () => {
      const provider = await kit.provider()
      if (declared(provider, 'hangup')) expect(typeof provider.hangup).toBe('function')
      if (declared(provider, 'contactSync')) expect(typeof provider.syncContact).toBe('function')
      if (declared(provider, 'presence')) expect(typeof provider.listAgentPresence).toBe('function')
      if (declared(provider, 'signedWebhooks')) {
        expect(typeof provider.verifyWebhook).toBe('function')
        expect(typeof provider.parseWebhook).toBe('function')
      }
      if (backend.delivery.kind === 'webhook') expect(typeof provider.parseWebhook).toBe('function')
      else expect(typeof provider.connect).toBe('function')
      if (declared(provider, 'presence')) {
        expect(backend.presence, 'a backend presence fixture for a provider with presence').toBeDefined()
      }
    })
  })

  describe('capabilities are honest', () => {
    it('refuses each operation it does not declare with a LeadCallError', async () => {
      const provider = await kit.provider()
      if (!declared(provider, 'hangup') && provider.hangup) {
        await expectLeadCallError(provider.hangup('kit-call'), backend)
      }
      if (!declared(provider, 'contactSync') && provider.syncContact) {
        await expectLeadCallError(provider.syncContact(kitLead()), backend)
      }
      if (!declared(provider, 'presence') && provider.listAgentPresence) {
        await expectLeadCallError(provider.listAgentPresence(), backend)
      }
      if (!declared(provider, 'signedWebhooks') && provider.verifyWebhook) {
        const request = new Request('https://hooks.example.com/kit', { method: 'POST', body: 'a=b' })
        await expectLeadCallError(provider.verifyWebhook(request), backend)
      }
      expect(backend.dials()).toEqual([])
    })

    const modes = Object.keys(MODE_CAPABILITY) as CallMode[]
    it.each(modes)(
      'refuses %s dials when the mode is not declared, without calling the vendor',
      async (mode) => {
        const provider = await kit.provider()
        if (declared(provider, MODE_CAPABILITY[mode])) return
        const error = await expectLeadCallError(
          provider.dial(dialRequest(provider, backend, { mode })),
          backend,
          'VALIDATION_FAILED',
        )
        expect(error.retryable).toBe(false)
        expect(backend.dials()).toEqual([])
      },
    )

    it('refuses recording and machine detection unless it declares them, without calling the vendor', async () => {
      const provider = await kit.provider()
      if (!declared(provider, 'recording')) {
        await expectLeadCallError(
          provider.dial(dialRequest(provider, backend, { record: true })),
          backend,
          'VALIDATION_FAILED',
        )
      }
      if (!declared(provider, 'machineDetection')) {
        await expectLeadCallError(
          provider.dial(dialRequest(provider, backend, { machineDetection: true })),
          backend,
          'VALIDATION_FAILED',
        )
      }
      expect(backend.dials()).toEqual([])
    })
  })
}
