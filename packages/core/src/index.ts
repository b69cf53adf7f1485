export * from './errors/lead-call-error.js'
