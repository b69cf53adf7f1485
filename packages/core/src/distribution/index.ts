export type {
  AgentDistributionSummary,
  AssignInput,
  CompleteOptions,
  DistributionApi,
  DistributionDecision,
  DistributionSettings,
  ExplainedAgent,
  Explanation,
  ReassignOutcome,
  RejectOptions,
  SkippedAgent,
} from './distribution-engine.js'
export { type FilterReason, hasSkills } from './filters.js'
export { type LeadRouter, type LeadRouting, LeadRoutingSchema } from './lead-routing.js'
export * from './random.js'
export { isOnShift } from './schedule.js'
export * from './strategies/index.js'
export type * from './strategy.js'
