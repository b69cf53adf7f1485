import { describe, expect, it } from 'vitest'
import type { Lead } from '../domain/lead.js'
import { LeadCallError } from '../errors/lead-call-error.js'
import { ComplianceConfigSchema, complianceError, createCompliancePolicy } from './compliance-policy.js'

const utc = Date.UTC
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const NY_PHONE = '+12125551234'
const LA_PHONE = '+14155551234'

type ScreenLead = Pick<Lead, 'phone' | 'priority' | 'consent' | 'dnd'>
const lead = (phone: string, extra: Partial<ScreenLead> = {}): ScreenLead => ({
  phone,
  priority: 'normal',
  ...extra,
})

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  return undefined
}

describe('ComplianceConfigSchema', () => {
  it('fills in the defaults', () => {
    expect(ComplianceConfigSchema.parse({})).toEqual({
      blockList: [],
      allowList: [],
      vipList: [],
      requireConsent: false,
      callingHours: { start: '08:00', end: '21:00' },
      unknownTimeZone: 'allow',
      maxAttemptsPerDay: 3,
      minDelayBetweenAttemptsMs: 120_000,
    })
  })

  it('normalizes list entries and rejects malformed ones', () => {
    expect(ComplianceConfigSchema.parse({ blockList: ['+1 (900) *', '+1 212-555-1234'] }).blockList).toEqual([
      '+1900*',
      '+12125551234',
    ])
    for (const entry of ['12125551234', '+0123456789', '+1*2', '*', '+*', '+12']) {
      expect(ComplianceConfigSchema.safeParse({ blockList: [entry] }).success).toBe(false)
    }
  })

  it('reports every invalid option at once as VALIDATION_FAILED', () => {
    const error = thrown(() =>
      createCompliancePolicy({
        blockList: ['nope'],
        callingHours: { start: '21:00', end: '08:00' },
        maxAttemptsPerDay: 0,
        // @ts-expect-error unknown option
        quietHours: true,
      }),
    )
    expect(LeadCallError.isInstance(error) && error.code).toBe('VALIDATION_FAILED')
    const issues = (error as LeadCallError).details as { issues: { path: string }[] }
    expect(issues.issues.map((issue) => issue.path).sort()).toEqual(
      ['', 'blockList.0', 'callingHours.end', 'maxAttemptsPerDay'].sort(),
    )
  })
})

describe('screen', () => {
  it('blocks exact numbers and prefixes', () => {
    const policy = createCompliancePolicy({ blockList: ['+14155550100', '+1900*', '+44*'] })
    expect(policy.screen(lead('+14155550100'))).toEqual({
      ok: false,
      code: 'DNC_BLOCKED',
      reason: 'block_list',
    })
    expect(policy.screen(lead('+14155550101'))).toEqual({ ok: true, priority: 'normal' })
    expect(policy.screen(lead('+19005551234')).ok).toBe(false)
    expect(policy.screen(lead('+447911123456')).ok).toBe(false)
    expect(policy.screen(lead('+12125551234')).ok).toBe(true)
    expect(policy.screen(lead('+390612345678')).ok).toBe(true)
  })

  it('calls only allow-listed numbers when the allow list is set', () => {
    const policy = createCompliancePolicy({ allowList: ['+39*', '+12125551234'] })
    expect(policy.screen(lead('+390612345678'))).toEqual({ ok: true, priority: 'normal' })
    expect(policy.screen(lead('+12125551234')).ok).toBe(true)
    expect(policy.screen(lead('+12125551235'))).toEqual({
      ok: false,
      code: 'DNC_BLOCKED',
      reason: 'not_allowed',
    })
  })

  it('lets the block list win over the allow and VIP lists', () => {
    const policy = createCompliancePolicy({
      allowList: ['+39*'],
      vipList: ['+39*'],
      blockList: ['+39061*'],
    })
    expect(policy.screen(lead('+390612345678')).ok).toBe(false)
    expect(policy.screen(lead('+390212345678'))).toEqual({ ok: true, priority: 'urgent' })
  })

  it('makes VIP leads urgent, and lets them through the allow list', () => {
    const policy = createCompliancePolicy({ vipList: ['+4420*', '+14155550100'], allowList: ['+39*'] })
    expect(policy.screen(lead('+442071234567', { priority: 'low' }))).toEqual({
      ok: true,
      priority: 'urgent',
    })
    expect(policy.screen(lead('+14155550100'))).toEqual({ ok: true, priority: 'urgent' })
    expect(policy.screen(lead('+390612345678', { priority: 'high' }))).toEqual({ ok: true, priority: 'high' })
    expect(policy.screen(lead('+447911123456')).ok).toBe(false)
  })

  it('blocks leads that asked not to be disturbed', () => {
    const policy = createCompliancePolicy()
    expect(policy.screen(lead(NY_PHONE, { dnd: true }))).toEqual({
      ok: false,
      code: 'DNC_BLOCKED',
      reason: 'dnd',
    })
    expect(policy.screen(lead(NY_PHONE, { dnd: false })).ok).toBe(true)
  })

  it('requires consent to be called only when configured', () => {
    expect(createCompliancePolicy().screen(lead(NY_PHONE)).ok).toBe(true)
    const policy = createCompliancePolicy({ requireConsent: true })
    const noConsent = { ok: false, code: 'DNC_BLOCKED', reason: 'no_consent' }
    expect(policy.screen(lead(NY_PHONE))).toEqual(noConsent)
    expect(policy.screen(lead(NY_PHONE, { consent: { sms: true } }))).toEqual(noConsent)
    expect(policy.screen(lead(NY_PHONE, { consent: { call: false } }))).toEqual(noConsent)
    expect(policy.screen(lead(NY_PHONE, { consent: { call: true } }))).toEqual({
      ok: true,
      priority: 'normal',
    })
  })
})

describe('whenCallable', () => {
  // Wednesday 15 January 2025, 18:00 UTC: 13:00 in New York, 10:00 in Los Angeles.
  const noon = utc(2025, 0, 15, 18, 0)
  const ny = { phone: NY_PHONE }

  it('lets a fresh lead through inside its calling hours', () => {
    expect(createCompliancePolicy().whenCallable(ny, [], noon)).toEqual({ ok: true })
  })

  it('holds a lead outside its local calling hours until its window opens', () => {
    const policy = createCompliancePolicy()
    // 13:00 UTC is 08:00 in New York but 05:00 in Los Angeles.
    expect(policy.whenCallable(ny, [], utc(2025, 0, 15, 13))).toEqual({ ok: true })
    expect(policy.whenCallable(ny, [], utc(2025, 0, 15, 12, 59))).toEqual({
      ok: false,
      code: 'OUTSIDE_CALLING_HOURS',
      until: utc(2025, 0, 15, 13),
    })
    expect(policy.whenCallable({ phone: LA_PHONE }, [], utc(2025, 0, 15, 13))).toEqual({
      ok: false,
      code: 'OUTSIDE_CALLING_HOURS',
      until: utc(2025, 0, 15, 16),
    })
    // The lead's own time zone wins over its number's: 21:00 UTC is 16:00 in New York, 22:00 in Rome.
    expect(policy.whenCallable(ny, [], utc(2025, 0, 15, 21))).toEqual({ ok: true })
    expect(
      policy.whenCallable({ phone: NY_PHONE, timezone: 'Europe/Rome' }, [], utc(2025, 0, 15, 21)),
    ).toEqual({
      ok: false,
      code: 'OUTSIDE_CALLING_HOURS',
      until: utc(2025, 0, 16, 7),
    })
  })

  it('caps attempts per rolling 24 hours', () => {
    const policy = createCompliancePolicy()
    const attempts = [noon - 23 * HOUR, noon - 10 * HOUR, noon - HOUR]
    expect(policy.whenCallable(ny, attempts, noon)).toEqual({
      ok: false,
      code: 'RATE_LIMITED',
      until: noon + HOUR,
    })
    // An attempt 24 hours old no longer counts.
    expect(policy.whenCallable(ny, [noon - 24 * HOUR, noon - 10 * HOUR, noon - HOUR], noon)).toEqual({
      ok: true,
    })
    expect(policy.whenCallable(ny, [noon - 25 * HOUR, noon - 10 * HOUR, noon - HOUR], noon)).toEqual({
      ok: true,
    })
    // Over the cap (attempts recorded elsewhere): wait until only two remain in the last 24 hours.
    const many = [noon - 4 * HOUR, noon - 20 * HOUR, noon - 22 * HOUR, noon - 2 * HOUR]
    expect(policy.whenCallable(ny, many, noon)).toEqual({
      ok: false,
      code: 'RATE_LIMITED',
      until: noon + 4 * HOUR,
    })
  })

  it('honours the configured cap', () => {
    const policy = createCompliancePolicy({ maxAttemptsPerDay: 1 })
    expect(policy.whenCallable(ny, [noon - 3 * HOUR], noon)).toEqual({
      ok: false,
      code: 'RATE_LIMITED',
      until: noon + 21 * HOUR,
    })
  })

  it('keeps the minimum delay between attempts', () => {
    const policy = createCompliancePolicy()
    expect(policy.whenCallable(ny, [noon - MINUTE], noon)).toEqual({
      ok: false,
      code: 'RATE_LIMITED',
      until: noon + MINUTE,
    })
    expect(policy.whenCallable(ny, [noon - 2 * MINUTE], noon)).toEqual({ ok: true })
    const slow = createCompliancePolicy({ minDelayBetweenAttemptsMs: 30 * MINUTE })
    expect(slow.whenCallable(ny, [noon - 20 * MINUTE, noon - 5 * HOUR], noon)).toEqual({
      ok: false,
      code: 'RATE_LIMITED',
      until: noon + 10 * MINUTE,
    })
  })

  it('waits until every rule passes at once', () => {
    const policy = createCompliancePolicy()
    // 20:59 in New York, last attempt a minute ago: the delay ends at 21:01, after the window closed,
    // so the lead waits for 08:00 the next day.
    const late = utc(2025, 0, 16, 1, 59)
    expect(policy.whenCallable(ny, [late - MINUTE], late)).toEqual({
      ok: false,
      code: 'OUTSIDE_CALLING_HOURS',
      until: utc(2025, 0, 16, 13, 0),
    })
    // 07:00 in New York with the cap reached until 10:00 local: the cap decides.
    const early = utc(2025, 0, 15, 12, 0)
    const attempts = [early - 21 * HOUR, early - 20 * HOUR, early - 19 * HOUR]
    expect(policy.whenCallable(ny, attempts, early)).toEqual({
      ok: false,
      code: 'RATE_LIMITED',
      until: utc(2025, 0, 15, 15, 0),
    })
    // 20:00 in New York, cap reached until 22:00 local: then the window is shut until 08:00.
    const evening = utc(2025, 0, 16, 1, 0)
    const busy = [evening - 22 * HOUR, evening - 5 * HOUR, evening - 4 * HOUR]
    expect(policy.whenCallable(ny, busy, evening)).toEqual({
      ok: false,
      code: 'OUTSIDE_CALLING_HOURS',
      until: utc(2025, 0, 16, 13, 0),
    })
  })

  it('applies the window allowed in every zone of a multi-zone country', () => {
    // A Russian mobile has no area code mapping: all 11 Russian offsets apply, 06:00-09:00 UTC.
    const policy = createCompliancePolicy()
    const russian = { phone: '+79161234567' }
    expect(policy.whenCallable(russian, [], utc(2025, 0, 15, 7))).toEqual({ ok: true })
    expect(policy.whenCallable(russian, [], utc(2025, 0, 15, 9))).toEqual({
      ok: false,
      code: 'OUTSIDE_CALLING_HOURS',
      until: utc(2025, 0, 16, 6),
    })
  })

  it('decides leads of no known zone by unknownTimeZone', () => {
    const freephone = { phone: '+80012345678' }
    const night = utc(2025, 0, 15, 3)
    expect(createCompliancePolicy().whenCallable(freephone, [], night)).toEqual({ ok: true })
    expect(createCompliancePolicy({ unknownTimeZone: 'UTC' }).whenCallable(freephone, [], night)).toEqual({
      ok: false,
      code: 'OUTSIDE_CALLING_HOURS',
      until: utc(2025, 0, 15, 8),
    })
  })

  it('can turn calling hours off or restrict them to some days', () => {
    const night = utc(2025, 0, 15, 8)
    expect(createCompliancePolicy({ callingHours: false }).whenCallable(ny, [], night)).toEqual({ ok: true })
    // Weekdays 09:00-17:00; Saturday 18 January 12:00 in New York → Monday 20 January 09:00 (14:00 UTC).
    const weekdays = createCompliancePolicy({
      callingHours: { start: '09:00', end: '17:00', days: [1, 2, 3, 4, 5] },
    })
    expect(weekdays.whenCallable(ny, [], utc(2025, 0, 18, 17))).toEqual({
      ok: false,
      code: 'OUTSIDE_CALLING_HOURS',
      until: utc(2025, 0, 20, 14),
    })
    const never = createCompliancePolicy({ callingHours: { start: '09:00', end: '17:00', days: [] } })
    expect(never.whenCallable(ny, [], noon)).toEqual({
      ok: false,
      code: 'OUTSIDE_CALLING_HOURS',
      until: Number.POSITIVE_INFINITY,
    })
  })

  it('exposes the time zones it uses', () => {
    expect(createCompliancePolicy().timeZones({ phone: LA_PHONE })).toEqual({
      zones: ['America/Los_Angeles'],
      source: 'area_code',
    })
  })
})

describe('complianceError', () => {
  it('turns refusals into LeadCallErrors', () => {
    const blocked = complianceError({ ok: false, code: 'DNC_BLOCKED', reason: 'dnd' })
    expect([blocked.code, blocked.status, blocked.details]).toEqual(['DNC_BLOCKED', 403, { reason: 'dnd' }])
    const later = complianceError({ ok: false, code: 'OUTSIDE_CALLING_HOURS', until: utc(2025, 0, 16, 13) })
    expect([later.code, later.details]).toEqual([
      'OUTSIDE_CALLING_HOURS',
      { until: '2025-01-16T13:00:00.000Z' },
    ])
    const never = complianceError({
      ok: false,
      code: 'OUTSIDE_CALLING_HOURS',
      until: Number.POSITIVE_INFINITY,
    })
    expect(never.details).toEqual({ until: null })
    expect(complianceError({ ok: false, code: 'RATE_LIMITED', until: 0 }).retryable).toBe(true)
  })
})
