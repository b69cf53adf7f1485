/**
 * leadcall core: turn every incoming lead into a phone call with the right agent within seconds.
 *
 * - {@link createLeadCall} assembles an app from a storage, providers and options;
 * - the domain schemas ({@link LeadSchema}, {@link AgentSchema}, {@link CallSessionSchema}, …) and
 *   {@link normalizeLead} / {@link normalizePhone} normalize what arrives;
 * - {@link LeadCallError} is the one error type, with a stable code and an HTTP status;
 * - {@link StorageV1} is the storage specification and {@link memoryStorage} the embedded driver.
 *
 * Conformance kits for driver and adapter authors live in `@leadcall/core/testing`.
 *
 * @packageDocumentation
 */
export * from './app/agent-activity.js'
export type {
  AgentActivityOptions,
  AgentsApi,
  ListAgentsOptions,
  SetStatusOptions,
} from './app/agents-api.js'
export * from './app/create-lead-call.js'
export * from './compliance/index.js'
export * from './config/config-schema.js'
export * from './conversations/index.js'
export * from './crm/index.js'
export * from './distribution/index.js'
export * from './domain/index.js'
export * from './errors/lead-call-error.js'
export * from './errors/validation.js'
export * from './events/index.js'
export * from './http/index.js'
export * from './import/index.js'
export * from './logging/logger.js'
export * from './pipeline/index.js'
export * from './qualification/index.js'
export * from './storage/index.js'
export * from './telephony/index.js'
export * from './tracking/index.js'
