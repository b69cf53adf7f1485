export * from './memory-storage.js'
export type * from './storage-v1.js'
