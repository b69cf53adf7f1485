/**
 * Zod schemas of what the Asterisk REST Interface answers and pushes (ARI api-docs,
 * `channels.json`, `bridges.json`, `endpoints.json`, `events.json`), lenient on what Asterisk may
 * add or leave out: only the fields the adapter reads are checked, unknown ones are kept.
 *
 * @module
 */
import { z } from 'zod'

/** The `state` of a Channel, as the ARI `Channel` model lists it. */
export const ARI_CHANNEL_STATES = [
  'Down',
  'Rsrved',
  'OffHook',
  'Dialing',
  'Ring',
  'Ringing',
  'Up',
  'Busy',
  'Dialing Offhook',
  'Pre-ring',
  'Unknown',
] as const

/** A caller id (`CallerID` model): name and number, both possibly empty. */
const AriCallerIdSchema = z.looseObject({
  name: z.string().optional(),
  number: z.string().optional(),
})

/**
 * A channel (`Channel` model of `channels.json`). Only `id` is required here; `state` is kept as
 * any string so that a state added by a later Asterisk does not fail the whole event.
 */
export const AriChannelSchema = z.looseObject({
  /** Unique id of the channel (AMI's Uniqueid); leadcall chooses it when originating. */
  id: z.string().min(1),
  /** Name of the channel, e.g. `PJSIP/1001-00000012`. */
  name: z.string().optional(),
  /** One of {@link ARI_CHANNEL_STATES}. */
  state: z.string().optional(),
  /** The caller id of the channel. */
  caller: AriCallerIdSchema.optional(),
  /** The connected line. */
  connected: AriCallerIdSchema.optional(),
  /** When the channel was created, in ARI's date format (`2026-01-15T15:00:00.000+0000`). */
  creationtime: z.string().optional(),
})
/** A channel, see {@link AriChannelSchema}. */
export type AriChannel = z.infer<typeof AriChannelSchema>

/** A bridge (`Bridge` model of `bridges.json`). */
export const AriBridgeSchema = z.looseObject({
  /** Unique id of the bridge; leadcall chooses it (it is the call's `providerCallId`). */
  id: z.string().min(1),
  /** `mixing` or `holding`. */
  bridge_type: z.string().optional(),
  /** The ids of the channels in the bridge. */
  channels: z.array(z.string()).optional(),
})
/** A bridge, see {@link AriBridgeSchema}. */
export type AriBridge = z.infer<typeof AriBridgeSchema>

/** An endpoint (`Endpoint` model of `endpoints.json`), e.g. the PJSIP endpoint of an agent's phone. */
export const AriEndpointSchema = z.looseObject({
  /** The channel technology, e.g. `PJSIP`. */
  technology: z.string().min(1),
  /** The endpoint's name within its technology, e.g. `1001`. */
  resource: z.string().min(1),
  /** `unknown`, `offline` or `online` (absent on some endpoints). */
  state: z.string().optional(),
  /** The channels in use on the endpoint: non-empty while the phone is on a call or ringing. */
  channel_ids: z.array(z.string()).optional(),
})
/** An endpoint, see {@link AriEndpointSchema}. */
export type AriEndpoint = z.infer<typeof AriEndpointSchema>

/**
 * One message of the ARI events WebSocket (`Message` / `Event` models of `events.json`), with the
 * fields of the events the adapter reads (`StasisStart`, `StasisEnd`, `ChannelCreated`,
 * `ChannelStateChange`, `ChannelDestroyed`, `BridgeDestroyed`, `EndpointStateChange`, …).
 */
export const AriEventSchema = z.looseObject({
  /** The event's type, e.g. `StasisStart`. */
  type: z.string().min(1),
  /** The Stasis application the event is for. */
  application: z.string().optional(),
  /** When it happened, in ARI's date format. */
  timestamp: z.string().optional(),
  /** The channel the event is about. */
  channel: AriChannelSchema.optional(),
  /** `StasisStart`: the application arguments (`appArgs` of the originate, split on commas). */
  args: z.array(z.string()).optional(),
  /** `ChannelDestroyed`, `ChannelHangupRequest`: the Q.850 hangup cause. */
  cause: z.number().int().optional(),
  /** `ChannelDestroyed`: the cause as text, e.g. `Normal Clearing`. */
  cause_txt: z.string().optional(),
  /** `ChannelDestroyed`: the technology's own cause (the SIP response code for PJSIP). */
  tech_cause: z.number().int().optional(),
  /** Bridge events: the bridge. */
  bridge: AriBridgeSchema.optional(),
  /** `EndpointStateChange`: the endpoint. */
  endpoint: AriEndpointSchema.optional(),
})
/** One message of the events WebSocket, see {@link AriEventSchema}. */
export type AriEvent = z.infer<typeof AriEventSchema>

/** ARI's error body: `{ "message": "…" }` with the HTTP status. @internal */
export const AriErrorBodySchema = z.looseObject({
  message: z.string().optional(),
})

/**
 * Turns an ARI date (`2026-01-15T15:00:00.000+0000`, or ISO 8601 with `Z` or `+00:00`) into ISO 8601
 * UTC (`2026-01-15T15:00:00.000Z`), or `undefined` when it cannot be read.
 *
 * @example
 * ```ts
 * ariTimestamp('2026-01-15T10:00:00.000-0500') // '2026-01-15T15:00:00.000Z'
 * ```
 */
export function ariTimestamp(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const normalized = value.trim().replace(/([+-])(\d{2})(\d{2})$/, '$1$2:$3')
  const ms = Date.parse(normalized)
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined
}
