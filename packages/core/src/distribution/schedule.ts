import type { AgentSchedule } from '../domain/agent.js'

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
    formatters.set(timeZone, f)
  }
  return f
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 }

/** Day of the week (0 = Sunday) and `HH:MM` of an instant in a time zone. */
export function localDayAndTime(timeZone: string, at: number): { day: number; time: string } {
  let day = 0
  let hour = '00'
  let minute = '00'
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type === 'weekday') day = WEEKDAYS[part.value] ?? 0
    else if (part.type === 'hour') hour = part.value
    else if (part.type === 'minute') minute = part.value
  }
  return { day, time: `${hour}:${minute}` }
}

/**
 * True when `at` falls in one of the schedule's weekly slots, in the schedule's time zone
 * (start inclusive, end exclusive). An agent without a schedule is always on shift.
 */
export function isOnShift(schedule: AgentSchedule | undefined, at: number): boolean {
  if (!schedule) return true
  const { day, time } = localDayAndTime(schedule.timezone, at)
  return schedule.slots.some((slot) => slot.day === day && slot.start <= time && time < slot.end)
}
