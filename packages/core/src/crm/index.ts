export type {
  CrmAdapterV1,
  CrmCallOptions,
  CrmCapabilities,
  CrmLeadInput,
  CrmLeadResult,
} from './crm-adapter.js'
