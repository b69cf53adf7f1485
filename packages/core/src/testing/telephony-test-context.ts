/**
 * What every test of the telephony conformance kit shares: the provider factory, the fixtures (an
 * agent, a lead, a dial request) and the assertions on errors and secrets.
 *
 * @internal
 * @module
 */
import { inspect } from 'node:util'
import { expect } from 'vitest'
import { type Agent, AgentSchema } from '../domain/agent.js'
import type { CallMode } from '../domain/call-session.js'
import { type Lead, LeadSchema } from '../domain/lead.js'
import { LeadCallError, type LeadCallErrorCode } from '../errors/lead-call-error.js'
import type { DialRequest, TelephonyProviderV1 } from '../telephony/telephony-provider.js'
import type { TelephonyMockBackend, TelephonyProviderContext } from './telephony-conformance.js'

/** The backend and a provider factory whose providers are closed after each test. @internal */
export interface TelephonyKit {
  /** The adapter's vendor mock. */
  backend: TelephonyMockBackend
  /** A new provider for this test, wired to the mock. */
  provider(context?: TelephonyProviderContext): Promise<TelephonyProviderV1>
}

/** The phone of the kit's agent. @internal */
export const AGENT_PHONE = '+14155550100'
/** The phone of the kit's lead. @internal */
export const LEAD_PHONE = '+14155550199'

const FIXED_TIME = '2026-01-15T15:00:00.000Z'

/** The kit's agent, with the backend's `agentRef` as its reference at the provider. @internal */
export function kitAgent(provider: TelephonyProviderV1, backend: TelephonyMockBackend): Agent {
  return AgentSchema.parse({
    id: 'kit-agent',
    name: 'Kit Agent',
    phone: AGENT_PHONE,
    status: 'available',
    providerRefs: backend.agentRef === undefined ? {} : { [provider.name]: backend.agentRef },
    createdAt: FIXED_TIME,
    updatedAt: FIXED_TIME,
    statusChangedAt: FIXED_TIME,
  })
}

/** The kit's lead. @internal */
export function kitLead(): Lead {
  return LeadSchema.parse({
    id: 'kit-lead',
    phone: LEAD_PHONE,
    fullName: 'Kit Lead',
    firstName: 'Kit',
    lastName: 'Lead',
    receivedAt: FIXED_TIME,
  })
}

let attempts = 0

/** A dial request for the kit's agent and lead, with a fresh attempt id. @internal */
export function dialRequest(
  provider: TelephonyProviderV1,
  backend: TelephonyMockBackend,
  extra: Partial<DialRequest> = {},
): DialRequest {
  attempts++
  return {
    attemptId: `kit-attempt-${attempts}`,
    processId: `kit-process-${attempts}`,
    agent: kitAgent(provider, backend),
    lead: kitLead(),
    timeoutMs: 30_000,
    ...extra,
  }
}

/** The capability flag that allows each dial mode. @internal */
export const MODE_CAPABILITY = {
  agent_first: 'agentFirstDial',
  lead_first: 'leadFirstDial',
  campaign: 'campaignMode',
} as const satisfies Record<CallMode, string>

/** The agent reference the backend must have seen for the kit's agent. @internal */
export function expectedAgentRef(backend: TelephonyMockBackend): string {
  return backend.agentRef ?? AGENT_PHONE
}

/** Resolves on the next turn of the event loop (timers included). @internal */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1))
}

/**
 * Waits until `condition` holds, checking on every turn of the event loop. It has no deadline of
 * its own: vitest's test timeout ends a wait that never succeeds. @internal
 */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await tick()
}

/** Every text an error exposes: message, stack, JSON, inspection, details, along the cause chain. */
function errorTexts(error: unknown): string[] {
  const texts: string[] = []
  const seen = new Set<unknown>()
  let current: unknown = error
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current)
    texts.push(String(current))
    try {
      texts.push(JSON.stringify(current) ?? '')
    } catch {
      // Circular structures cannot be serialized; inspect below still shows them.
    }
    texts.push(inspect(current, { depth: 8, showHidden: true }))
    if (current instanceof Error) {
      texts.push(current.message, current.stack ?? '')
      if (LeadCallError.isInstance(current)) {
        texts.push(JSON.stringify(current.toJSON()), JSON.stringify(current.details) ?? '')
      }
      current = (current as { cause?: unknown }).cause
    } else if (typeof current === 'object' && 'cause' in current) {
      current = (current as { cause?: unknown }).cause
    } else {
      current = undefined
    }
  }
  return texts
}

/** Fails when any of the backend's secrets appears in anything `error` exposes. @internal */
export function expectNoSecrets(error: unknown, backend: TelephonyMockBackend): void {
  const texts = errorTexts(error)
  for (const secret of backend.secrets) {
    if (secret === '') continue
    const leaked = texts.some((text) => text.includes(secret))
    expect(leaked, `a secret (${secret.length} chars) appears in the error or its cause chain`).toBe(false)
  }
}

/**
 * Awaits `promise`, expects it to reject with a `LeadCallError` (with `code` when given) that
 * leaks no secret, and returns the error. @internal
 */
export async function expectLeadCallError(
  promise: Promise<unknown>,
  backend: TelephonyMockBackend,
  code?: LeadCallErrorCode,
): Promise<LeadCallError> {
  let caught: unknown
  try {
    await promise
  } catch (error) {
    caught = error
  }
  expect(caught, 'the promise should reject').toBeDefined()
  expectNoSecrets(caught, backend)
  expect(LeadCallError.isInstance(caught), `expected a LeadCallError, got ${inspect(caught)}`).toBe(true)
  const error = caught as LeadCallError
  if (code !== undefined) expect(error.code, error.message).toBe(code)
  return error
}

/** A capability's flag, `false` when absent (the v1 additions are optional). @internal */
export function declared(
  provider: TelephonyProviderV1,
  flag: keyof TelephonyProviderV1['capabilities'],
): boolean {
  return provider.capabilities[flag] === true
}
