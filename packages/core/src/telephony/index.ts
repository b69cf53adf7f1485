export * from './simulated-telephony.js'
export type * from './telephony-provider.js'
