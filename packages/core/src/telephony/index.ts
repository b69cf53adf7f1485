export * from './failover-telephony.js'
export * from './simulated-telephony.js'
export type * from './telephony-provider.js'
