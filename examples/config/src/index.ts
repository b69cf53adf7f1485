/**
 * The configuration shared by the leadcall examples: {@link loadConfig} reads and validates the
 * environment (every problem at once), {@link createAppFromConfig} assembles the storage, the
 * telephony providers, the leadcall app and its HTTP handler.
 *
 * @packageDocumentation
 */
export { consoleLogger } from './console-logger.js'
export {
  type ConfiguredApp,
  type CreateAppOptions,
  createAppFromConfig,
} from './create-app-from-config.js'
export { createStorage } from './create-storage.js'
export { type ConfiguredTelephony, createTelephony } from './create-telephony.js'
export { ENV_FIELDS, type Env, type EnvVariable, PROVIDER_GROUPS, type ProviderKind } from './env-fields.js'
export type * from './example-config.js'
export { configError, loadConfig } from './load-config.js'
export { runExampleMain, type StartExampleServer } from './run-example-main.js'
export { sampleAgents } from './sample-agents.js'
export { serverUrl } from './server-url.js'
