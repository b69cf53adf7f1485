export * from './crm-conformance.js'
export { type ServiceGateOptions, serviceGate } from './service-gate.js'
export { type StorageConformanceOptions, storageConformance } from './storage-conformance.js'
export * from './telephony-conformance.js'
