/**
 * {@link loadConfig}: the examples' configuration from environment variables, every problem
 * reported at once.
 *
 * @module
 */
import { LeadCallError } from '@leadcall/core'
import type { z } from 'zod'
import { ENV_FIELDS, type Env, type EnvVariable, PROVIDER_GROUPS } from './env-fields.js'
import type {
  AsteriskConfig,
  CloudTalkConfig,
  EnvIssue,
  ExampleConfig,
  LogLevel,
  ProviderConfig,
  StorageConfig,
  TelephonyConfig,
  TwilioConfig,
} from './example-config.js'
import { selectTelephony } from './select-telephony.js'

/** The parsed values of the variables that are set and valid. */
type Values = { -readonly [K in EnvVariable]?: z.output<(typeof ENV_FIELDS)[K]['schema']> }

/** The environment with empty values (as `.env` files leave them) treated as unset. */
function present(env: Env): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of Object.keys(ENV_FIELDS)) {
    const value = env[name]
    if (value !== undefined && value.trim() !== '') out[name] = value
  }
  return out
}

/** Checks each variable on its own. */
function parseFields(env: Record<string, string>, issues: EnvIssue[]): Values {
  const values: Record<string, unknown> = {}
  for (const [name, { schema }] of Object.entries(ENV_FIELDS)) {
    const raw = env[name]
    if (raw === undefined) continue
    const parsed = schema.safeParse(raw)
    if (parsed.success) values[name] = parsed.data
    else for (const issue of parsed.error.issues) issues.push({ variable: name, message: issue.message })
  }
  return values as Values
}

/** The rules between variables: storage URLs, Twilio's callback URL and API key pair. */
function crossChecks(env: Record<string, string>, issues: EnvIssue[]): void {
  const storage = env.LEADCALL_STORAGE?.trim()
  if (storage === 'redis' && env.REDIS_URL === undefined)
    issues.push({ variable: 'REDIS_URL', message: 'Required with LEADCALL_STORAGE=redis' })
  if (storage === 'postgres' && env.DATABASE_URL === undefined)
    issues.push({ variable: 'DATABASE_URL', message: 'Required with LEADCALL_STORAGE=postgres' })
  if ((env.TWILIO_API_KEY === undefined) !== (env.TWILIO_API_SECRET === undefined)) {
    const missing = env.TWILIO_API_KEY === undefined ? 'TWILIO_API_KEY' : 'TWILIO_API_SECRET'
    issues.push({
      variable: missing,
      message: 'TWILIO_API_KEY and TWILIO_API_SECRET go together: set both, or neither',
    })
  }
}

function normalizeBasePath(value: string | undefined): string {
  const path = (value ?? '/leadcall').replace(/\/+$/, '')
  return path === '' ? '' : path
}

function storageOf(values: Values): StorageConfig {
  switch (values.LEADCALL_STORAGE) {
    case 'redis':
      return {
        kind: 'redis',
        url: values.REDIS_URL as string,
        prefix: values.LEADCALL_REDIS_PREFIX ?? 'leadcall',
      }
    case 'postgres':
      return {
        kind: 'postgres',
        url: values.DATABASE_URL as string,
        schema: values.LEADCALL_POSTGRES_SCHEMA ?? 'leadcall',
        migrate: values.LEADCALL_POSTGRES_MIGRATE ?? true,
      }
    default:
      return { kind: 'memory' }
  }
}

/** Copies the keys whose value is defined (optional properties stay absent, not `undefined`). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

function providerOf(kind: ProviderConfig['kind'], values: Values, basePath: string): ProviderConfig {
  switch (kind) {
    case 'cloudtalk':
      return defined<CloudTalkConfig>({
        kind,
        accessKeyId: values.CLOUDTALK_ACCESS_KEY_ID as string,
        accessKeySecret: values.CLOUDTALK_ACCESS_KEY_SECRET as string,
        webhookSecret: values.CLOUDTALK_WEBHOOK_SECRET as string,
        baseUrl: values.CLOUDTALK_BASE_URL,
      })
    case 'twilio':
      return defined<TwilioConfig>({
        kind,
        accountSid: values.TWILIO_ACCOUNT_SID as string,
        authToken: values.TWILIO_AUTH_TOKEN as string,
        apiKey: values.TWILIO_API_KEY,
        apiSecret: values.TWILIO_API_SECRET,
        from: values.TWILIO_FROM as string,
        statusCallbackUrl:
          values.TWILIO_STATUS_CALLBACK_URL ??
          `${(values.LEADCALL_PUBLIC_URL as string).replace(/\/+$/, '')}${basePath}/webhooks/twilio`,
        // Where Twilio posts WhatsApp messages (the sender's "when a message comes in" URL).
        whatsappUrl: values.LEADCALL_PUBLIC_URL
          ? `${values.LEADCALL_PUBLIC_URL.replace(/\/+$/, '')}${basePath}/whatsapp/twilio`
          : undefined,
        mode: values.TWILIO_MODE,
        baseUrl: values.TWILIO_BASE_URL,
      })
    case 'asterisk':
      return defined<AsteriskConfig>({
        kind,
        url: values.ASTERISK_ARI_URL as string,
        username: values.ASTERISK_ARI_USERNAME as string,
        password: values.ASTERISK_ARI_PASSWORD as string,
        leadEndpoint: values.ASTERISK_LEAD_ENDPOINT as string,
        agentEndpoint: values.ASTERISK_AGENT_ENDPOINT,
        app: values.ASTERISK_ARI_APP,
        callerId: values.ASTERISK_CALLER_ID,
      })
  }
}

/** The one error listing every problem: `Invalid environment (2 problems):\n- NAME: what`. */
export function configError(issues: readonly EnvIssue[]): LeadCallError {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`
  const lines = issues.map((issue) => `- ${issue.variable}: ${issue.message}`)
  return new LeadCallError('VALIDATION_FAILED', {
    message: `Invalid environment (${count}):\n${lines.join('\n')}`,
    details: { issues: issues.map((issue) => ({ path: issue.variable, message: issue.message })) },
    retryable: false,
  })
}

/**
 * Reads the examples' configuration from environment variables (every one is optional): the
 * server, the storage, the telephony providers and the management token. Each variable is
 * validated, then the rules between them (a storage's URL, a provider's complete group of
 * variables, which providers to use); values are never echoed, since many are secrets. Empty
 * values count as unset.
 *
 * Telephony: with no provider variables, the simulated provider (no keys, no network). With one
 * provider's variables, that provider; a partly set group is an error naming the missing
 * variables. With two or more, `LEADCALL_TELEPHONY` must list them in failover order (primary
 * first), e.g. `twilio,cloudtalk`: leadcall then wraps them with `failoverTelephony`.
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` whose message lists every problem, one line each
 * (`- VARIABLE: what is wrong`), and `details.issues` the same as `{ path, message }`.
 *
 * @example
 * ```ts
 * const config = loadConfig({ LEADCALL_STORAGE: 'redis', REDIS_URL: 'redis://127.0.0.1:6379' })
 * config.telephony // [{ kind: 'simulator' }]
 * ```
 */
export function loadConfig(env: Env = process.env): ExampleConfig {
  const set = present(env)
  const issues: EnvIssue[] = []
  const values = parseFields(set, issues)
  crossChecks(set, issues)
  const selection = selectTelephony(set, values.LEADCALL_TELEPHONY, PROVIDER_GROUPS)
  issues.push(...selection.issues)
  if (selection.kinds.includes('twilio') && set.TWILIO_STATUS_CALLBACK_URL === undefined) {
    if (set.LEADCALL_PUBLIC_URL === undefined)
      issues.push({
        variable: 'LEADCALL_PUBLIC_URL',
        message:
          'Twilio needs a public URL to post status callbacks to: set it (or TWILIO_STATUS_CALLBACK_URL)',
      })
  }
  if (issues.length > 0) throw configError(issues)

  const basePath = normalizeBasePath(values.LEADCALL_BASE_PATH)
  const telephony: TelephonyConfig =
    selection.kinds.length === 0
      ? [
          defined({
            kind: 'simulator' as const,
            seed: values.LEADCALL_SIMULATOR_SEED,
            ringMs: values.LEADCALL_SIMULATOR_RING_MS,
            talkMs: values.LEADCALL_SIMULATOR_TALK_MS,
          }),
        ]
      : selection.kinds.map((kind) => providerOf(kind, values, basePath))
  return defined<ExampleConfig>({
    port: values.LEADCALL_PORT ?? 3000,
    host: values.LEADCALL_HOST ?? '127.0.0.1',
    basePath,
    publicUrl: values.LEADCALL_PUBLIC_URL?.replace(/\/+$/, ''),
    adminToken: values.LEADCALL_ADMIN_TOKEN,
    intakeSecret: values.LEADCALL_INTAKE_SECRET,
    defaultCountry: values.LEADCALL_DEFAULT_COUNTRY ?? 'US',
    // Calling hours protect the people called; the simulator calls nobody, so it calls at any hour.
    callingHours:
      values.LEADCALL_CALLING_HOURS ??
      (selection.kinds.length === 0 ? false : { start: '08:00', end: '21:00' }),
    tenant: values.LEADCALL_TENANT ?? 'default',
    agents: values.LEADCALL_AGENTS,
    logLevel: (values.LEADCALL_LOG_LEVEL ?? 'info') as LogLevel,
    storage: storageOf(values),
    telephony,
    ghl: defined({ publicKeyPem: values.GHL_WEBHOOK_PUBLIC_KEY, secret: values.GHL_WEBHOOK_SECRET }),
  })
}
