/**
 * What every test of the storage conformance kit receives, and small timing helpers that keep the
 * kit robust on slow or loaded machines.
 *
 * @internal
 * @module
 */
import type { StorageV1 } from '../storage/storage-v1.js'

/** The storage under test and a namespace no other test uses. @internal */
export interface StorageTestContext {
  /** A storage made for this test by the driver's factory. */
  storage: StorageV1
  /** A fresh random namespace. */
  ns: string
}

/** The body of a conformance test. @internal */
export type StorageTest = (context: StorageTestContext) => Promise<void>

/**
 * Wraps a test body: makes a storage and a namespace for it, runs it, then closes the storage.
 * Each test owns its storage, so tests can run concurrently (the waiting ones do). @internal
 */
export type WithStorage = (test: StorageTest) => () => Promise<void>

/** A namespace that no other test (nor another driver on the same server) uses. @internal */
export function randomNamespace(): string {
  return `t-${crypto.randomUUID()}`
}

/** Resolves after `ms` milliseconds. @internal */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * A stopwatch for assertions that only hold "soon enough": a loaded machine may pause the test for
 * longer than a TTL, so "still there" checks are made only when the elapsed time proves it.
 * @internal
 */
export function stopwatch(): { elapsed(): number } {
  const start = performance.now()
  return { elapsed: () => performance.now() - start }
}

/** TTLs and leases the kit lets expire, in ms. @internal */
export const SHORT_MS = 200

/** How long the kit waits for a {@link SHORT_MS} TTL or lease to have expired, in ms. @internal */
export const EXPIRY_WAIT_MS = 500

/** Timeout of tests that run many operations (network drivers need more than vitest's 5 s). @internal */
export const HEAVY_TEST_TIMEOUT_MS = 60_000

/** Timeout of tests that wait for something to expire. @internal */
export const WAITING_TEST_TIMEOUT_MS = 15_000
