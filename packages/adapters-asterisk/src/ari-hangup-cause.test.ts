import { describe, expect, it } from 'vitest'
import { type CallEndStatus, callEndStatus, mapHangupCause } from './ari-hangup-cause.js'

describe('mapHangupCause', () => {
  const table: Array<[cause: number, status: CallEndStatus, reason: string]> = [
    [16, 'completed', 'normal_clearing'],
    [31, 'completed', 'normal_unspecified'],
    [17, 'busy', 'user_busy'],
    [21, 'busy', 'call_rejected'],
    [18, 'no_answer', 'no_user_response'],
    [19, 'no_answer', 'no_answer'],
    [20, 'no_answer', 'subscriber_absent'],
    [26, 'canceled', 'answered_elsewhere'],
    [0, 'failed', 'not_defined'],
    [1, 'failed', 'unallocated_number'],
    [3, 'failed', 'no_route_destination'],
    [27, 'failed', 'destination_out_of_order'],
    [28, 'failed', 'invalid_number_format'],
    [34, 'failed', 'circuit_congestion'],
    [38, 'failed', 'network_out_of_order'],
    [41, 'failed', 'temporary_failure'],
    [42, 'failed', 'switch_congestion'],
    [44, 'failed', 'requested_channel_unavailable'],
    [127, 'failed', 'interworking'],
    [99, 'failed', 'cause_99'],
    [4, 'failed', 'cause_4'],
  ]

  it.each(table)('cause %i → %s (%s)', (cause, status, reason) => {
    expect(mapHangupCause(cause)).toEqual({ status, reason })
  })

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('maps the invalid cause %s to failed', (cause) => {
    expect(mapHangupCause(cause)).toEqual({ status: 'failed', reason: 'invalid_cause' })
  })

  it('never throws on input that is not a number', () => {
    expect(mapHangupCause('16' as unknown as number)).toEqual({ status: 'failed', reason: 'invalid_cause' })
    expect(mapHangupCause(undefined as unknown as number)).toEqual({
      status: 'failed',
      reason: 'invalid_cause',
    })
  })

  it('returns a fresh object each time', () => {
    const first = mapHangupCause(17)
    first.status = 'failed'
    expect(mapHangupCause(17).status).toBe('busy')
  })
})

describe('callEndStatus', () => {
  const table: Array<[cause: number, answered: boolean, status: CallEndStatus, reason: string]> = [
    // Answered legs are completed whatever ended them; the cause stays in the reason.
    [16, true, 'completed', 'normal_clearing'],
    [31, true, 'completed', 'normal_unspecified'],
    [38, true, 'completed', 'network_out_of_order'],
    [17, true, 'completed', 'user_busy'],
    // A normal hangup before answer: the leg was withdrawn while ringing.
    [16, false, 'canceled', 'normal_clearing'],
    [31, false, 'canceled', 'normal_unspecified'],
    // Otherwise the cause decides.
    [17, false, 'busy', 'user_busy'],
    [21, false, 'busy', 'call_rejected'],
    [18, false, 'no_answer', 'no_user_response'],
    [19, false, 'no_answer', 'no_answer'],
    [26, false, 'canceled', 'answered_elsewhere'],
    [34, false, 'failed', 'circuit_congestion'],
    [41, false, 'failed', 'temporary_failure'],
    [500, false, 'failed', 'cause_500'],
  ]

  it.each(table)('cause %i, answered %s → %s (%s)', (cause, answered, status, reason) => {
    expect(callEndStatus({ cause, answered })).toEqual({ status, reason })
  })
})
