export type {
  LeadQueueApi,
  QueuedLead,
  SubmitLeadOptions,
  SubmitLeadResult,
} from './lead-pipeline.js'
export * from './pipeline-config.js'
export * from './process-state.js'
