import { describe, expect, it } from 'vitest'
import { AssignmentSchema } from './assignment.js'
import { normalizeLead } from './normalize-lead.js'
import { ProcessRecordSchema, toProcessLead } from './process-record.js'

describe('AssignmentSchema', () => {
  const assignment = {
    id: 'asg-1',
    processId: 'proc-1',
    leadId: 'lead-1',
    agentId: 'agent-1',
    status: 'reserved',
    attempt: 1,
    strategy: 'round-robin',
    reservedAt: '2026-06-19T10:00:00.000Z',
    expiresAt: '2026-06-19T10:00:30.000Z',
  }

  it('accepts a reservation', () => {
    expect(AssignmentSchema.parse(assignment)).toEqual(assignment)
    expect(
      AssignmentSchema.parse({
        ...assignment,
        status: 'timed_out',
        decidedAt: assignment.expiresAt,
        reason: 'no answer',
      }).status,
    ).toBe('timed_out')
  })

  it('refuses a bad attempt, status or expiry', () => {
    expect(AssignmentSchema.safeParse({ ...assignment, attempt: 0 }).success).toBe(false)
    expect(AssignmentSchema.safeParse({ ...assignment, status: 'pending' }).success).toBe(false)
    expect(AssignmentSchema.safeParse({ ...assignment, expiresAt: '2026-06-19T09:59:59.000Z' }).success).toBe(
      false,
    )
  })
})

describe('ProcessRecordSchema', () => {
  const lead = normalizeLead(
    { name: 'Alice Rossi', phone: '+39 350 123 4567', email: 'alice@example.com', externalId: 'x-1' },
    { idGenerator: () => 'lead-1', now: () => new Date('2026-06-19T10:00:00.000Z') },
  )

  it('masks the phone and e-mail of the lead by default', () => {
    expect(toProcessLead(lead)).toEqual({
      id: 'lead-1',
      name: 'Alice Rossi',
      phone: '+39350****567',
      email: 'a***@example.com',
      source: 'api',
      externalId: 'x-1',
      priority: 'normal',
    })
    expect(toProcessLead(lead, { mask: false })).toMatchObject({
      phone: '+393501234567',
      email: 'alice@example.com',
    })
  })

  it('accepts a full record', () => {
    const record = {
      processId: 'proc-1',
      type: 'lead',
      timestamp: lead.receivedAt,
      updatedAt: '2026-06-19T10:00:02.000Z',
      status: 'in_call',
      lead: toProcessLead(lead),
      steps: [
        {
          name: 'normalize',
          status: 'done',
          startedAt: lead.receivedAt,
          endedAt: lead.receivedAt,
          durationMs: 1,
        },
        {
          name: 'distribute',
          status: 'done',
          durationMs: 4,
          detail: { strategy: 'round-robin', agentId: 'agent-1' },
        },
        { name: 'contactSync', status: 'failed', errorCode: 'CONTACT_CREATION_FAILED' },
        { name: 'dial', status: 'running' },
      ],
      agent: { id: 'agent-1', name: 'Marco' },
      callId: 'call-1',
      attempts: 1,
      metadata: { dayOfWeek: 5, hourOfDay: 10, source: 'api' },
    }
    expect(ProcessRecordSchema.parse(record)).toEqual(record)
    expect(ProcessRecordSchema.safeParse({ ...record, errorCode: 'NOPE' }).success).toBe(false)
    expect(
      ProcessRecordSchema.safeParse({ ...record, metadata: { ...record.metadata, hourOfDay: 24 } }).success,
    ).toBe(false)
  })
})
