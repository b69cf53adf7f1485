/**
 * What {@link loadConfig} returns: the validated configuration of the examples.
 *
 * @module
 */

/** One problem with the environment: the variable and what is wrong with it. */
export interface EnvIssue {
  /** The variable, e.g. `LEADCALL_PORT`. */
  variable: string
  /** What is wrong, in plain words. */
  message: string
}

/** Where state lives. */
export type StorageConfig =
  | { kind: 'memory' }
  | { kind: 'redis'; url: string; prefix: string }
  | { kind: 'postgres'; url: string; schema: string; migrate: boolean }

/** The simulated provider: no keys, no network. */
export interface SimulatorConfig {
  kind: 'simulator'
  seed?: number
  ringMs?: number
  talkMs?: number
}

/** CloudTalk, see `@leadcall/cloudtalk`. */
export interface CloudTalkConfig {
  kind: 'cloudtalk'
  accessKeyId: string
  accessKeySecret: string
  webhookSecret: string
  baseUrl?: string
}

/** Twilio, see `@leadcall/twilio`. */
export interface TwilioConfig {
  kind: 'twilio'
  accountSid: string
  authToken: string
  apiKey?: string
  apiSecret?: string
  from: string
  statusCallbackUrl: string
  whatsappUrl?: string
  mode?: 'agent_first' | 'lead_first'
  baseUrl?: string
}

/** Asterisk over ARI, see `@leadcall/asterisk`. */
export interface AsteriskConfig {
  kind: 'asterisk'
  url: string
  username: string
  password: string
  leadEndpoint: string
  agentEndpoint?: string
  app?: string
  callerId?: string
}

/** A real provider's settings. */
export type ProviderConfig = CloudTalkConfig | TwilioConfig | AsteriskConfig

/** The telephony: the simulator alone, or real providers in failover order (primary first). */
export type TelephonyConfig = readonly [SimulatorConfig] | readonly ProviderConfig[]

/** Log levels, quietest first. */
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug'

/** The configuration of the examples, read from the environment by {@link loadConfig}. */
export interface ExampleConfig {
  /** Port to listen on. */
  port: number
  /** Address to listen on. */
  host: string
  /** Where the leadcall routes are mounted: `''` (the root) or `/x/y`, no trailing slash. */
  basePath: string
  /** The server as the world reaches it, without a trailing slash. */
  publicUrl?: string
  /** Bearer token of the management routes. */
  adminToken?: string
  /** The shared secret of `POST /leads` (`LEADCALL_INTAKE_SECRET`); without it the route is open. */
  intakeSecret?: string
  /** Country of numbers written without a prefix. */
  defaultCountry: string
  /** The calling window in the lead's local time, or `false` to call at any hour. */
  callingHours: { start: string; end: string } | false
  /** The tenant (storage namespace). */
  tenant: string
  /** Agents registered at start (`LEADCALL_AGENTS`), each made available. */
  agents?: { id: string; name: string; phone?: string; [field: string]: unknown }[]
  /** Level of the console log. */
  logLevel: LogLevel
  /** Where state lives. */
  storage: StorageConfig
  /** Who places the calls. */
  telephony: TelephonyConfig
  /** GoHighLevel webhook checks of `POST /leads/ghl`. */
  ghl: { publicKeyPem?: string; secret?: string }
}
