/**
 * How a call leg ended, in leadcall's normalized call status model (the terminal states of a
 * `CallSession`).
 */
export type CallEndStatus = 'completed' | 'busy' | 'no_answer' | 'failed' | 'canceled'

/** The outcome of a Q.850 hangup cause, see {@link mapHangupCause}. */
export interface HangupCauseOutcome {
  /** The normalized terminal status. */
  status: CallEndStatus
  /**
   * A stable snake_case name of the cause (e.g. `user_busy`, `no_answer`), or `cause_<n>` for a
   * code leadcall has no name for. Suitable for logs, metrics and `ProcessRecord` error details.
   */
  reason: string
}

/** Input of {@link callEndStatus}. */
export interface CallEndInput {
  /** The `cause` of the ARI `ChannelDestroyed` (or `ChannelHangupRequest`) event. */
  cause: number
  /** Whether the channel reached the `Up` state (was answered) before it was destroyed. */
  answered: boolean
}

type CauseEntry = readonly [reason: string, status: CallEndStatus]

/**
 * Q.850 / Asterisk (`include/asterisk/causes.h`) hangup causes leadcall names. Everything not
 * listed maps to `failed` with reason `cause_<n>`.
 */
const CAUSES: ReadonlyMap<number, CauseEntry> = new Map<number, CauseEntry>([
  [0, ['not_defined', 'failed']],
  [1, ['unallocated_number', 'failed']],
  [2, ['no_route_transit_net', 'failed']],
  [3, ['no_route_destination', 'failed']],
  [6, ['channel_unacceptable', 'failed']],
  [16, ['normal_clearing', 'completed']],
  [17, ['user_busy', 'busy']],
  [18, ['no_user_response', 'no_answer']],
  [19, ['no_answer', 'no_answer']],
  // The callee's phone is off or out of coverage: a valid number nobody can pick up right now.
  [20, ['subscriber_absent', 'no_answer']],
  // The callee declined the call; like busy, the person exists and may take a call later.
  [21, ['call_rejected', 'busy']],
  [22, ['number_changed', 'failed']],
  // Another device of a ring group took the call, so this leg was withdrawn.
  [26, ['answered_elsewhere', 'canceled']],
  [27, ['destination_out_of_order', 'failed']],
  [28, ['invalid_number_format', 'failed']],
  [29, ['facility_rejected', 'failed']],
  [31, ['normal_unspecified', 'completed']],
  [34, ['circuit_congestion', 'failed']],
  [38, ['network_out_of_order', 'failed']],
  [41, ['temporary_failure', 'failed']],
  [42, ['switch_congestion', 'failed']],
  [44, ['requested_channel_unavailable', 'failed']],
  [50, ['facility_not_subscribed', 'failed']],
  [52, ['outgoing_call_barred', 'failed']],
  [58, ['bearer_capability_not_available', 'failed']],
  [66, ['channel_not_implemented', 'failed']],
  [88, ['incompatible_destination', 'failed']],
  [102, ['recovery_on_timer_expire', 'failed']],
  [111, ['protocol_error', 'failed']],
  [127, ['interworking', 'failed']],
])

/**
 * Maps an Asterisk hangup cause (the Q.850 code in `ChannelDestroyed.cause`) to leadcall's
 * terminal call status, from the cause alone:
 *
 * | cause | status |
 * |---|---|
 * | 16 normal clearing, 31 normal unspecified | `completed` |
 * | 17 user busy, 21 call rejected | `busy` |
 * | 18 no user response, 19 no answer, 20 subscriber absent | `no_answer` |
 * | 26 answered elsewhere | `canceled` |
 * | 1, 3, 27, 28, 34, 38, 41, 42, 44, 127 and every other code | `failed` |
 *
 * A normal clearing only says that someone hung up normally, not that the call was ever
 * connected: a lead leg that the dialer hangs up while it still rings also ends with 16. When the
 * answered state is known (it is, from `ChannelStateChange` → `Up`), use {@link callEndStatus},
 * which decides those cases by it. Invalid input (not a non-negative integer) maps to
 * `{ status: 'failed', reason: 'invalid_cause' }`; this function never throws.
 *
 * @example
 * ```ts
 * mapHangupCause(17) // { status: 'busy', reason: 'user_busy' }
 * mapHangupCause(99) // { status: 'failed', reason: 'cause_99' }
 * ```
 */
export function mapHangupCause(cause: number): HangupCauseOutcome {
  if (typeof cause !== 'number' || !Number.isInteger(cause) || cause < 0) {
    return { status: 'failed', reason: 'invalid_cause' }
  }
  const entry = CAUSES.get(cause)
  if (entry === undefined) return { status: 'failed', reason: `cause_${cause}` }
  const [reason, status] = entry
  return { status, reason }
}

/**
 * The terminal status of a call leg from its hangup cause and whether it was answered — the
 * decision the ARI adapter makes on `ChannelDestroyed`:
 *
 * - answered: always `completed` (the conversation happened; whatever ended it, even a network
 *   failure mid-call, is kept in `reason`);
 * - not answered, normal cause (16, 31): `canceled` — the leg was hung up while still ringing,
 *   by the dialer (no-answer timeout, the agent leg dropped) or by the caller;
 * - not answered, any other cause: as {@link mapHangupCause} says (`busy`, `no_answer`, `failed`, …).
 *
 * @example
 * ```ts
 * callEndStatus({ cause: 16, answered: true })  // { status: 'completed', reason: 'normal_clearing' }
 * callEndStatus({ cause: 16, answered: false }) // { status: 'canceled', reason: 'normal_clearing' }
 * callEndStatus({ cause: 19, answered: false }) // { status: 'no_answer', reason: 'no_answer' }
 * ```
 */
export function callEndStatus(input: CallEndInput): HangupCauseOutcome {
  const outcome = mapHangupCause(input.cause)
  if (input.answered === true) return { status: 'completed', reason: outcome.reason }
  if (outcome.status === 'completed') return { status: 'canceled', reason: outcome.reason }
  return outcome
}
