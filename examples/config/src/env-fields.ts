/**
 * The environment variables the examples read: one zod schema per variable (checked on its own, so
 * every bad value is reported at once), with what it means, and the variables of each telephony
 * provider.
 *
 * @module
 */
import { parseEndpointTemplate } from '@leadcall/asterisk'
import { CallingHoursSchema, PhoneConfigSchema, TenantSchema } from '@leadcall/core'
import { z } from 'zod'

/** The environment, as `process.env` holds it. */
export type Env = Readonly<Record<string, string | undefined>>

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `Expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `Expected a whole number from ${min} to ${max}`)

const flag = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => ['true', 'false', '1', '0', 'yes', 'no'].includes(value), 'Expected true or false')
  .transform((value) => value === 'true' || value === '1' || value === 'yes')

const httpUrl = z.url({ protocol: /^https?$/, error: 'Expected an http:// or https:// URL' })

/** `HH:MM-HH:MM` (the lead's local time) or `off`. */
const callingHours = z
  .string()
  .trim()
  .transform((value, context) => {
    if (value.toLowerCase() === 'off') return false as const
    const match = /^(\d\d:\d\d)\s*-\s*(\d\d:\d\d)$/.exec(value)
    const parsed = CallingHoursSchema.safeParse(match ? { start: match[1], end: match[2] } : undefined)
    if (parsed.success) return parsed.data
    context.addIssue({
      code: 'custom',
      message: 'Expected HH:MM-HH:MM (e.g. 08:00-21:00, start before end) or off',
    })
    return z.NEVER
  })

/** A JSON array of agents: `[{ "id": "alice", "name": "Alice", "phone": "+14155550100" }]`. */
const agentsJson = z
  .string()
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown
    } catch {
      context.addIssue({ code: 'custom', message: 'Expected a JSON array of agents' })
      return z.NEVER
    }
  })
  .pipe(
    z
      .array(
        z.looseObject({
          id: z.string().min(1),
          name: z.string().min(1),
          phone: z.string().min(3).optional(),
        }),
        { error: 'Expected a JSON array of agents' },
      )
      .min(1, 'Expected at least one agent'),
  )

const secret = (min: number) => z.string().min(min, `Expected at least ${min} characters`)

const dialTemplate = (allowed: readonly string[], example: string) =>
  z.string().superRefine((value, context) => {
    try {
      parseEndpointTemplate(value, allowed, allowed)
    } catch (error) {
      context.addIssue({ code: 'custom', message: `${(error as Error).message} (e.g. ${example})` })
    }
  })

/** One variable: its schema and what it is for (the README's table says the same). */
interface Field {
  schema: z.ZodType
  description: string
}

const field = <S extends z.ZodType>(schema: S, description: string) => ({ schema, description })

/** Every variable the examples read. */
export const ENV_FIELDS = {
  LEADCALL_PORT: field(
    wholeNumber(0, 65_535),
    'Port the server listens on (default 3000; 0 picks a free one).',
  ),
  LEADCALL_HOST: field(
    z.string().trim().min(1, 'Expected a host name or address'),
    'Address the server listens on (default 127.0.0.1; 0.0.0.0 in a container).',
  ),
  LEADCALL_BASE_PATH: field(
    z
      .string()
      .trim()
      .regex(/^\/[A-Za-z0-9._~\-/]*$/, 'Expected a path starting with /, e.g. /leadcall'),
    'Where the leadcall routes are mounted (default /leadcall; / for the root).',
  ),
  LEADCALL_PUBLIC_URL: field(
    httpUrl,
    'The server as the world reaches it, e.g. https://hooks.example.com: the base of provider webhook URLs.',
  ),
  LEADCALL_ADMIN_TOKEN: field(
    secret(16),
    'Bearer token of the management routes (agents, queue, stats, …); without it they are open.',
  ),
  LEADCALL_INTAKE_SECRET: field(
    secret(16),
    'Shared secret of POST /leads: senders present it (Authorization: Bearer, x-leadcall-secret or ?secret=) or sign the body with it (x-leadcall-signature); without it POST /leads takes leads from anyone.',
  ),
  LEADCALL_DEFAULT_COUNTRY: field(
    PhoneConfigSchema.shape.defaultCountry.unwrap(),
    'Country of phone numbers written without a prefix, ISO 3166-1 alpha-2 (default US).',
  ),
  LEADCALL_CALLING_HOURS: field(
    callingHours,
    "Calling window in the lead's local time, HH:MM-HH:MM, or off; outside it leads wait in the queue (default 08:00-21:00, off with the simulator, which calls nobody).",
  ),
  LEADCALL_TENANT: field(TenantSchema, 'The tenant (storage namespace) of the app (default default).'),
  LEADCALL_AGENTS: field(
    agentsJson,
    'Agents registered (available) at start, as a JSON array of { id, name, phone, … } (default: four sample agents with the simulator, none otherwise).',
  ),
  LEADCALL_LOG_LEVEL: field(
    z.enum(['silent', 'error', 'warn', 'info', 'debug'], {
      error: 'Expected silent, error, warn, info or debug',
    }),
    'Log level of the JSON lines written to the console (default info).',
  ),
  LEADCALL_STORAGE: field(
    z.enum(['memory', 'redis', 'postgres'], { error: 'Expected memory, redis or postgres' }),
    'Where state lives: memory (default), redis or postgres.',
  ),
  REDIS_URL: field(
    z.url({ protocol: /^rediss?$/, error: 'Expected a redis:// or rediss:// URL' }),
    'Redis to connect to, with LEADCALL_STORAGE=redis.',
  ),
  LEADCALL_REDIS_PREFIX: field(
    z.string().regex(/^[^{}]{1,100}$/, 'Expected 1 to 100 characters, without { or }'),
    'First part of every Redis key (default leadcall).',
  ),
  DATABASE_URL: field(
    z.url({ protocol: /^postgres(ql)?$/, error: 'Expected a postgres:// or postgresql:// URL' }),
    'PostgreSQL to connect to, with LEADCALL_STORAGE=postgres.',
  ),
  LEADCALL_POSTGRES_SCHEMA: field(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'Expected an identifier (letters, digits, _)'),
    'Schema of the leadcall tables (default leadcall).',
  ),
  LEADCALL_POSTGRES_MIGRATE: field(
    flag,
    'Apply the schema migrations before the first query (default true; false when they run at deploy time).',
  ),
  LEADCALL_TELEPHONY: field(
    z
      .string()
      .trim()
      .min(1, 'Expected a comma-separated list')
      .transform((value) => value.split(',').map((part) => part.trim().toLowerCase()))
      .pipe(
        z.array(
          z.enum(['simulator', 'cloudtalk', 'twilio', 'asterisk'], {
            error: 'Expected simulator, cloudtalk, twilio or asterisk',
          }),
        ),
      ),
    'Providers to use, in failover order (primary first), e.g. twilio,cloudtalk. Default: the one whose variables are set, else simulator.',
  ),
  LEADCALL_SIMULATOR_SEED: field(
    wholeNumber(0, 2 ** 31 - 1),
    'Seed of the simulated provider (default random); replays the same call outcomes.',
  ),
  LEADCALL_SIMULATOR_RING_MS: field(
    wholeNumber(0, 600_000),
    'Mean ringing time of a simulated call, ms (default 3000).',
  ),
  LEADCALL_SIMULATOR_TALK_MS: field(
    wholeNumber(0, 3_600_000),
    'Mean conversation time of a simulated call, ms (default 60000).',
  ),
  GHL_WEBHOOK_PUBLIC_KEY: field(
    z.string().min(1),
    'HighLevel webhook public key (PEM) checking POST /leads/ghl signatures.',
  ),
  GHL_WEBHOOK_SECRET: field(
    secret(16),
    'Shared secret HighLevel workflow webhooks send (x-leadcall-secret header or ?secret=).',
  ),

  CLOUDTALK_ACCESS_KEY_ID: field(z.string().min(1), 'CloudTalk API Access Key ID.'),
  CLOUDTALK_ACCESS_KEY_SECRET: field(z.string().min(1), 'CloudTalk API Access Key Secret.'),
  CLOUDTALK_WEBHOOK_SECRET: field(
    secret(16),
    'Shared secret of the CloudTalk Workflow Automation requests to POST <base>/webhooks/cloudtalk.',
  ),
  CLOUDTALK_BASE_URL: field(httpUrl, 'CloudTalk REST base URL (default https://my.cloudtalk.io/api).'),

  TWILIO_ACCOUNT_SID: field(
    z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'Expected AC followed by 32 hex digits'),
    'Twilio Account SID.',
  ),
  TWILIO_AUTH_TOKEN: field(
    z.string().min(1),
    "Twilio account's Auth Token (REST calls, and X-Twilio-Signature checks of webhooks).",
  ),
  TWILIO_API_KEY: field(
    z.string().regex(/^SK[0-9a-fA-F]{32}$/, 'Expected SK followed by 32 hex digits'),
    'Twilio API Key SID for REST calls (with TWILIO_API_SECRET); the Auth Token still checks webhooks.',
  ),
  TWILIO_API_SECRET: field(z.string().min(1), 'Secret of TWILIO_API_KEY.'),
  TWILIO_FROM: field(
    z.string().regex(/^\+[1-9]\d{6,14}$/, 'Expected an E.164 number such as +14155550000'),
    'Caller id of every call: a Twilio number or verified caller id (E.164).',
  ),
  TWILIO_STATUS_CALLBACK_URL: field(
    httpUrl,
    'Public URL of Twilio status callbacks (default LEADCALL_PUBLIC_URL + base path + /webhooks/twilio).',
  ),
  TWILIO_MODE: field(
    z.enum(['agent_first', 'lead_first'], { error: 'Expected agent_first or lead_first' }),
    'agent_first (default: ring the agent, then the lead) or lead_first.',
  ),
  TWILIO_BASE_URL: field(
    httpUrl,
    'Twilio REST base URL (default https://api.twilio.com), e.g. a regional edge.',
  ),

  ASTERISK_ARI_URL: field(httpUrl, 'ARI base URL, e.g. http://pbx.internal:8088.'),
  ASTERISK_ARI_USERNAME: field(z.string().min(1).max(200), 'ARI user (ari.conf).'),
  ASTERISK_ARI_PASSWORD: field(z.string().min(1).max(500), 'Its password.'),
  ASTERISK_LEAD_ENDPOINT: field(
    dialTemplate(['number', 'digits'], 'PJSIP/{number}@trunk'),
    'How leads are dialed, e.g. PJSIP/{number}@trunk.',
  ),
  ASTERISK_AGENT_ENDPOINT: field(
    dialTemplate(['ext'], 'PJSIP/{ext}'),
    'How agents are dialed from their providerRefs.asterisk (default PJSIP/{ext}).',
  ),
  ASTERISK_ARI_APP: field(
    z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/, 'Expected letters, digits, _ . - (at most 80)'),
    'Stasis application name (default leadcall); one per process.',
  ),
  ASTERISK_CALLER_ID: field(
    z.string().regex(/^[^\r\n\0]{1,200}$/, 'Expected one line of at most 200 characters'),
    'Caller id the lead sees, e.g. +14155550000.',
  ),
} satisfies Record<string, Field>

/** The name of one variable the examples read. */
export type EnvVariable = keyof typeof ENV_FIELDS

/** A real telephony provider, configured by its group of variables. */
export type ProviderKind = 'cloudtalk' | 'twilio' | 'asterisk'

/** The variables of one provider: all required ones, or none of the group, must be set. */
export interface ProviderGroup {
  /** The provider. */
  kind: ProviderKind
  /** Its name as people write it. */
  label: string
  /** Variables the provider cannot work without. */
  required: readonly EnvVariable[]
  /** Variables with a default. */
  optional: readonly EnvVariable[]
}

/** The variables of each provider, in the order they are reported. */
export const PROVIDER_GROUPS: readonly ProviderGroup[] = [
  {
    kind: 'cloudtalk',
    label: 'CloudTalk',
    required: ['CLOUDTALK_ACCESS_KEY_ID', 'CLOUDTALK_ACCESS_KEY_SECRET', 'CLOUDTALK_WEBHOOK_SECRET'],
    optional: ['CLOUDTALK_BASE_URL'],
  },
  {
    kind: 'twilio',
    label: 'Twilio',
    required: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'],
    optional: [
      'TWILIO_API_KEY',
      'TWILIO_API_SECRET',
      'TWILIO_STATUS_CALLBACK_URL',
      'TWILIO_MODE',
      'TWILIO_BASE_URL',
    ],
  },
  {
    kind: 'asterisk',
    label: 'Asterisk',
    required: [
      'ASTERISK_ARI_URL',
      'ASTERISK_ARI_USERNAME',
      'ASTERISK_ARI_PASSWORD',
      'ASTERISK_LEAD_ENDPOINT',
    ],
    optional: ['ASTERISK_AGENT_ENDPOINT', 'ASTERISK_ARI_APP', 'ASTERISK_CALLER_ID'],
  },
]
