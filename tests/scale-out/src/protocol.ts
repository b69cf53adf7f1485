/**
 * Messages between the test (parent) and its worker processes, over Node's IPC channel. Storage
 * traffic goes over each worker's own sockets to the real server; only the provider is shared
 * through the parent, so that every dial is counted in one place whatever worker sent it.
 */
import type { CallEvent } from '@leadcall/core'

/** The store a worker connects to. */
export type DriverName = 'redis' | 'postgres'

/** What a worker needs to know, passed as one JSON environment variable. */
export interface WorkerSettings {
  worker: number
  driver: DriverName
  url: string
  /** Redis key prefix or PostgreSQL schema: one per test run. */
  scope: string
  tenant: string
  /** How long a claim (queue entry or first run) holds before another worker may take over (ms). */
  leaseMs: number
  pollMs: number
  /** Delay before each dial request leaves the worker (ms): keeps leads in flight for the crash test. */
  dialDelayMs: number
}

/** Parent → worker. */
export type ToWorker =
  | { type: 'submit'; id: number; lead: Record<string, unknown> }
  | { type: 'event'; delivery: number; event: CallEvent }
  | { type: 'dialed'; request: number; providerCallId: string }
  | { type: 'stop' }

/** Worker → parent. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'submitted'; id: number; processId?: string; status?: string; code?: string; error?: string }
  | { type: 'delivered'; delivery: number; applied: boolean }
  | {
      type: 'dial'
      request: number
      attemptId: string
      processId: string
      agentId: string
      phone: string
    }
  | { type: 'assigned'; processId: string; agentId: string }
  | { type: 'completed'; processId: string }
  | { type: 'failed'; processId: string; code: string }
  | { type: 'error'; message: string }
