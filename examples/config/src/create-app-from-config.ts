/**
 * {@link createAppFromConfig}: a leadcall app and its HTTP handler from the examples'
 * configuration.
 *
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import {
  createHttpHandler,
  createLeadCall,
  type HttpHandler,
  type HttpHandlerOptions,
  type LeadCallApp,
  type Logger,
  type TelephonyProviderV1,
  type TwilioWhatsAppSource,
} from '@leadcall/core'
import { consoleLogger } from './console-logger.js'
import { createStorage } from './create-storage.js'
import { type ConfiguredTelephony, createTelephony } from './create-telephony.js'
import type { ExampleConfig } from './example-config.js'
import { sampleAgents } from './sample-agents.js'

/** What {@link createAppFromConfig} returns. */
export interface ConfiguredApp {
  /** The configuration it was made from. */
  config: ExampleConfig
  /** The leadcall app. */
  app: LeadCallApp
  /**
   * The HTTP handler, serving leadcall's routes at its root (`/leads`, `/health`, …): mount it
   * under `config.basePath` with a host that strips the prefix (Hono's `mount`, Express's `use`).
   */
  handler: HttpHandler
  /** The telephony providers, primary first (the simulator when no provider is configured). */
  providers: readonly TelephonyProviderV1[]
  /** Stops the pipeline, the providers and the storage. Safe to call more than once. */
  close(): Promise<void>
}

/** Options of {@link createAppFromConfig}. */
export interface CreateAppOptions {
  /** The logger (default: JSON lines on standard output at `config.logLevel`). */
  logger?: Logger
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

/** `Authorization: Bearer <token>`, compared in constant time. */
function bearer(token: string): (request: Request) => boolean {
  const expected = digest(`Bearer ${token}`)
  return (request) => timingSafeEqual(digest(request.headers.get('authorization') ?? ''), expected)
}

/**
 * Assembles what the configuration describes: the storage, the telephony providers (wrapped with
 * failover when there are several), the leadcall app, and its HTTP handler with the management
 * token as `authorize`, each provider's webhook parser under `webhooks` and the GoHighLevel
 * settings. With the simulator, the {@link sampleAgents} are registered (available), so that a
 * lead is dialed at once (with PostgreSQL, the migrations run before that first query, unless
 * turned off). When any of it fails, what was created is closed and the error thrown.
 *
 * @example
 * ```ts
 * const { app, handler, close } = await createAppFromConfig(loadConfig())
 * serve({ fetch: handler, port: 3000 })
 * ```
 */
export async function createAppFromConfig(
  config: ExampleConfig,
  options: CreateAppOptions = {},
): Promise<ConfiguredApp> {
  const logger = options.logger ?? consoleLogger(config.logLevel)
  const storage = createStorage(config.storage, logger)
  let telephony: ConfiguredTelephony
  let app: LeadCallApp
  try {
    telephony = await createTelephony(config.telephony, logger)
  } catch (error) {
    await storage.close?.()
    throw error
  }
  try {
    app = createLeadCall({
      storage,
      telephony: telephony.provider,
      tenant: config.tenant,
      phone: { defaultCountry: config.defaultCountry },
      compliance: { callingHours: config.callingHours },
      logger,
    })
  } catch (error) {
    await Promise.allSettled([telephony.provider.close?.(), storage.close?.()])
    throw error
  }
  let closing: Promise<void> | undefined
  const close = () => {
    closing ??= app.close()
    return closing
  }
  try {
    const handlerOptions: HttpHandlerOptions = { webhooks: telephony.webhooks }
    if (config.adminToken !== undefined) handlerOptions.authorize = bearer(config.adminToken)
    if (config.intakeSecret !== undefined) handlerOptions.leads = { secrets: [config.intakeSecret] }
    if (config.ghl.publicKeyPem !== undefined || config.ghl.secret !== undefined)
      handlerOptions.ghl = config.ghl
    // Twilio also signs the WhatsApp messages it forwards: its provider verifies them.
    const whatsappSource = telephony.providers.find(
      (provider): provider is TelephonyProviderV1 & TwilioWhatsAppSource =>
        'parseWhatsAppMessage' in provider,
    )
    if (whatsappSource !== undefined) handlerOptions.whatsapp = { twilio: whatsappSource }
    const handler = createHttpHandler(app, handlerOptions)
    if (config.agents !== undefined) {
      for (const agent of config.agents) await app.agents.upsert({ status: 'available', ...agent })
    } else if (config.telephony[0]?.kind === 'simulator') {
      for (const agent of sampleAgents) await app.agents.upsert(agent)
    }
    return { config, app, handler, providers: telephony.providers, close }
  } catch (error) {
    await close()
    throw error
  }
}
