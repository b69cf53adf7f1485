import { z } from 'zod'

/** Pipeline options: queueing, de-duplication, contact sync, dialing and retries. */
export const PipelineConfigSchema = z.strictObject({
  /**
   * What happens to a lead no agent can take now: `queue` (default) keeps it in the durable queue
   * and answers 202 with its position; `reject` restores the old behaviour: `NO_AGENTS_AVAILABLE` (503).
   */
  whenNoAgent: z.enum(['queue', 'reject']).default('queue'),
  /** Order within a priority: oldest first (default) or newest first. */
  queueOrder: z.enum(['fifo', 'lifo']).default('fifo'),
  /** How long a redelivered lead (same source + externalId, or same Idempotency-Key) returns the first result (ms, default 24 h). */
  dedupeWindowMs: z.number().int().positive().default(86_400_000),
  /** A lead with the phone of a process still open joins that process (`DUPLICATE_LEAD`) instead of starting another. */
  joinOpenProcess: z.boolean().default(true),
  /**
   * Contact sync: `background` (default) never blocks or fails the call — a failure is recorded
   * and retried; `blocking` waits for it before dialing, and fails the lead if it fails.
   */
  contactSync: z.enum(['background', 'blocking', 'off']).default('background'),
  /** Background contact-sync retries after a failure (ms between tries). */
  contactSyncRetryMs: z.array(z.number().int().positive()).default([5_000, 30_000, 120_000]),
  /** Agents a lead is dialed with at most, when agents fail (the first included). */
  maxAgentAttempts: z.number().int().min(1).max(20).default(3),
  /** Re-dials of a lead that did not answer, with these delays (ms); their count is the cap. */
  redialBackoffMs: z.array(z.number().int().positive()).default([60_000, 300_000]),
  /** A call still not answered after this long is canceled (ms, default 30 s). */
  noAnswerTimeoutMs: z.number().int().positive().default(30_000),
  /** How often agents' presence is polled from the provider, when it reports presence (ms; 0 disables). */
  presencePollMs: z.number().int().min(0).default(15_000),
  /** Lease of a queued lead being dispatched; a crashed worker's leads come back after it (ms). */
  queueLeaseMs: z.number().int().positive().default(30_000),
  /** How often the queue and delayed work are polled for work other processes scheduled (ms). */
  pollMs: z.number().int().positive().default(1_000),
  /** Wrap-up after a completed call before the agent gets the next lead (ms, default 0). */
  wrapUpMs: z.number().int().min(0).default(0),
  /**
   * How long a closed process (completed, failed or rejected), the session of each of its calls and
   * its contact-sync outcome stay in storage after their last write (ms, default 30 days): then the
   * store expires them, and `app.process()` / `app.call()` answer `null`. Keep it longer than your
   * provider may send late webhooks. Tracking records and metrics have their own retention
   * (`tracking.retentionDays`, `tracking.cleanup()`).
   */
  closedRetentionMs: z
    .number()
    .int()
    .min(1_000)
    .max(10 * 365 * 86_400_000)
    .default(30 * 86_400_000),
})

/** What the `pipeline` option of `createLeadCall` accepts. */
export type PipelineConfig = z.input<typeof PipelineConfigSchema>
/** The pipeline options after defaults. */
export type ResolvedPipelineConfig = z.output<typeof PipelineConfigSchema>
