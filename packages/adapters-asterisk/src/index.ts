/**
 * Asterisk ARI adapter for leadcall: originate the agent and lead legs, bridge them, follow the
 * channels over the ARI events WebSocket and read endpoint presence.
 *
 * This release ships the hangup-cause mapping ({@link mapHangupCause}, {@link callEndStatus}) that
 * turns `ChannelDestroyed` events into leadcall call statuses; the `asterisk({...})` telephony
 * factory lands next.
 *
 * @packageDocumentation
 */

export {
  type CallEndInput,
  type CallEndStatus,
  callEndStatus,
  type HangupCauseOutcome,
  mapHangupCause,
} from './ari-hangup-cause.js'
