/**
 * The provider spec: what a telephony or CRM adapter package needs from leadcall, and nothing
 * else. An adapter imports its runtime values from here rather than from `@leadcall/core`, so
 * importing the adapter does not load core's runtime (its zod schemas, libphonenumber-js, the
 * engine): an app pays for core once, when it imports `@leadcall/core` to build the pipeline, and
 * an adapter costs only its own code.
 *
 * - the telephony spec ({@link TelephonyProviderV1}, {@link DialRequest}, {@link CallEvent}, …) and
 *   the CRM spec ({@link CrmAdapterV1}, …), as types;
 * - {@link LeadCallError}, the one error type, with its codes and {@link validationError};
 * - the {@link Logger} interface and {@link silentLogger};
 * - what CRM adapters share with core: {@link normalizeTags}, {@link UNKNOWN_CONTACT}.
 *
 * Everything here is also exported by `@leadcall/core` itself; an error created through either
 * entry is recognised by {@link LeadCallError.isInstance} from both.
 *
 * @example
 * ```ts
 * import { LeadCallError, type TelephonyProviderV1 } from '@leadcall/core/provider'
 *
 * const refuse = (): never => {
 *   throw new LeadCallError('AGENT_NOT_AVAILABLE', { message: 'The agent is not logged in' })
 * }
 * ```
 *
 * @packageDocumentation
 */
export type {
  CrmAdapterV1,
  CrmCallOptions,
  CrmCapabilities,
  CrmLeadInput,
  CrmLeadResult,
} from './crm/crm-adapter.js'
export type { Agent, AgentStatus } from './domain/agent.js'
export type { AnsweredBy, CallEvent, CallEventType } from './domain/call-event.js'
export type { CallMode, CallSession, CallStatus } from './domain/call-session.js'
export type { Lead } from './domain/lead.js'
export { normalizeTags } from './domain/tags.js'
export { UNKNOWN_CONTACT } from './domain/unknown-contact.js'
export * from './errors/lead-call-error.js'
export * from './errors/validation.js'
export * from './logging/logger.js'
export type { LeadQuality } from './qualification/classification.js'
export type * from './telephony/telephony-provider.js'
