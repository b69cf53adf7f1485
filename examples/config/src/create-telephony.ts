/**
 * The telephony providers of a configuration, and the webhook parsers they bring.
 *
 * @module
 */
import { asterisk } from '@leadcall/asterisk'
import { cloudtalk } from '@leadcall/cloudtalk'
import {
  type CallEventParser,
  failoverTelephony,
  type Logger,
  simulatedTelephony,
  type TelephonyProviderV1,
} from '@leadcall/core'
import { twilio } from '@leadcall/twilio'
import type { ProviderConfig, SimulatorConfig, TelephonyConfig } from './example-config.js'

/** The provider to dial through, its members and the webhook parsers by provider name. */
export interface ConfiguredTelephony {
  /** The one provider, or a `failoverTelephony` set of several. */
  provider: TelephonyProviderV1
  /** The providers, primary first. */
  providers: TelephonyProviderV1[]
  /** The webhook parser of each provider that receives signed webhooks, by provider name. */
  webhooks: Record<string, CallEventParser>
}

function createProvider(config: SimulatorConfig | ProviderConfig, logger: Logger): TelephonyProviderV1 {
  switch (config.kind) {
    case 'simulator':
      return simulatedTelephony({
        ...(config.seed === undefined ? {} : { seed: config.seed }),
        ...(config.ringMs === undefined ? {} : { ringMs: config.ringMs }),
        ...(config.talkMs === undefined ? {} : { talkMs: config.talkMs }),
      })
    case 'cloudtalk':
      return cloudtalk({
        accessKeyId: config.accessKeyId,
        accessKeySecret: config.accessKeySecret,
        webhookSecret: config.webhookSecret,
        ...(config.baseUrl === undefined ? {} : { baseUrl: config.baseUrl }),
        logger,
      })
    case 'twilio': {
      const settings = {
        from: config.from,
        statusCallbackUrl: config.statusCallbackUrl,
        ...(config.whatsappUrl === undefined ? {} : { whatsappUrl: config.whatsappUrl }),
        ...(config.mode === undefined ? {} : { mode: config.mode }),
        ...(config.baseUrl === undefined ? {} : { baseUrl: config.baseUrl }),
      }
      // An API Key signs the REST calls when given; the Auth Token always checks the webhooks.
      return config.apiKey !== undefined && config.apiSecret !== undefined
        ? twilio({
            accountSid: config.accountSid,
            apiKey: config.apiKey,
            apiSecret: config.apiSecret,
            authToken: config.authToken,
            ...settings,
          })
        : twilio({ accountSid: config.accountSid, authToken: config.authToken, ...settings })
    }
    case 'asterisk':
      return asterisk({
        url: config.url,
        username: config.username,
        password: config.password,
        endpoints: {
          lead: config.leadEndpoint,
          ...(config.agentEndpoint === undefined ? {} : { agent: config.agentEndpoint }),
        },
        ...(config.app === undefined ? {} : { app: config.app }),
        ...(config.callerId === undefined ? {} : { callerId: config.callerId }),
        logger,
      })
  }
}

/**
 * Creates the configured providers (closing those already created when one fails), wrapped with
 * `failoverTelephony` when there are several, and maps each provider that parses signed webhooks
 * (CloudTalk, Twilio) to its parser, under its name: the handler serves it at
 * `POST /webhooks/<name>`. Asterisk reports calls over its own WebSocket instead. Through a
 * failover set, the set's parsers are used: they relabel the events as the set's.
 */
export async function createTelephony(config: TelephonyConfig, logger: Logger): Promise<ConfiguredTelephony> {
  const providers: TelephonyProviderV1[] = []
  try {
    for (const entry of config) providers.push(createProvider(entry, logger))
  } catch (error) {
    await Promise.allSettled(providers.map((provider) => provider.close?.()))
    throw error
  }
  const signed = providers.filter(
    (provider) => provider.parseWebhook !== undefined && provider.capabilities.signedWebhooks,
  )
  if (providers.length > 1) {
    const set = failoverTelephony(providers)
    const webhooks: Record<string, CallEventParser> = {}
    for (const provider of signed) {
      const parse = set.webhooks[provider.name]
      if (parse !== undefined) webhooks[provider.name] = parse
    }
    return { provider: set, providers, webhooks }
  }
  const webhooks: Record<string, CallEventParser> = {}
  for (const provider of signed) webhooks[provider.name] = (request) => provider.parseWebhook!(request)
  return { provider: providers[0] as TelephonyProviderV1, providers, webhooks }
}
