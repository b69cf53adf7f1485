/**
 * Asterisk adapter for leadcall over the Asterisk REST Interface (ARI): originate the agent's and
 * the lead's legs into a Stasis application, bridge them, follow the channels over the ARI events
 * WebSocket (with reconnects and reconciliation) and read endpoint presence.
 *
 * - {@link asterisk} creates the telephony provider to pass to `createLeadCall({ telephony })`;
 * - {@link mapHangupCause} and {@link callEndStatus} map ARI hangup causes to call statuses;
 * - {@link endpointPresence} maps an ARI endpoint to an agent presence;
 * - the zod schemas ({@link AriEventSchema}, {@link AriChannelSchema}, …) read what ARI sends.
 *
 * @packageDocumentation
 */

export { AriApiError } from './ari-api.js'
export { type BackoffOptions, backoffDelay } from './ari-backoff.js'
export { type EndpointTemplate, parseEndpointTemplate } from './ari-endpoint-template.js'
export {
  type CallEndInput,
  type CallEndStatus,
  callEndStatus,
  type HangupCauseOutcome,
  mapHangupCause,
} from './ari-hangup-cause.js'
export { endpointPresence } from './ari-presence.js'
export {
  ARI_CHANNEL_STATES,
  type AriBridge,
  AriBridgeSchema,
  type AriChannel,
  AriChannelSchema,
  type AriEndpoint,
  AriEndpointSchema,
  type AriEvent,
  AriEventSchema,
  ariTimestamp,
} from './ari-schemas.js'
export type { AsteriskEndpoints, AsteriskOptions, AsteriskReconnectOptions } from './asterisk-options.js'
export { type AsteriskProvider, asterisk } from './asterisk-provider.js'
