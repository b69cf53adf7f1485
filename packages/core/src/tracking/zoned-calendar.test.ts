import { describe, expect, it } from 'vitest'
import { createZonedCalendar } from './zoned-calendar.js'

describe('zoned calendar', () => {
  it('places instants in days, hours and weekdays of the time zone', () => {
    const rome = createZonedCalendar('Europe/Rome')
    expect(rome.at(Date.parse('2026-11-23T23:30:00Z'))).toEqual({ day: '2026-11-24', hour: 0, weekday: 2 })
    expect(rome.at(Date.parse('2026-07-01T21:59:59Z'))).toEqual({ day: '2026-07-01', hour: 23, weekday: 3 })
    const kolkata = createZonedCalendar('Asia/Kolkata')
    expect(kolkata.at(Date.parse('2026-01-01T18:29:59Z'))).toEqual({
      day: '2026-01-01',
      hour: 23,
      weekday: 4,
    })
    expect(kolkata.at(Date.parse('2026-01-01T18:30:00Z'))).toEqual({ day: '2026-01-02', hour: 0, weekday: 5 })
    const utc = createZonedCalendar('UTC')
    expect(utc.at(0)).toEqual({ day: '1970-01-01', hour: 0, weekday: 4 })
  })

  it('finds where days start, daylight saving switches included', () => {
    const ny = createZonedCalendar('America/New_York')
    expect(new Date(ny.dayStart('2026-03-08')).toISOString()).toBe('2026-03-08T05:00:00.000Z')
    expect(new Date(ny.dayStart('2026-03-09')).toISOString()).toBe('2026-03-09T04:00:00.000Z') // 23-hour day before
    expect(new Date(ny.dayStart('2026-11-02')).toISOString()).toBe('2026-11-02T05:00:00.000Z')
    const kathmandu = createZonedCalendar('Asia/Kathmandu') // +05:45
    expect(new Date(kathmandu.dayStart('2026-05-01')).toISOString()).toBe('2026-04-30T18:15:00.000Z')
    // Santiago skips midnight when its summer time starts: the day starts at 01:00.
    const santiago = createZonedCalendar('America/Santiago')
    const start = santiago.dayStart('2026-09-06')
    expect(santiago.at(start).day).toBe('2026-09-06')
    expect(santiago.at(start - 1).day).toBe('2026-09-05')
  })

  it('counts days', () => {
    const c = createZonedCalendar('UTC')
    expect(c.addDays('2026-02-28', 1)).toBe('2026-03-01')
    expect(c.addDays('2026-01-01', -1)).toBe('2025-12-31')
    expect(c.daysBetween('2026-12-30', '2027-01-02')).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ])
    expect(c.daysBetween('2026-01-02', '2026-01-01')).toEqual([])
    expect(c.weekdayOf('2026-11-23')).toBe(1)
  })
})
