/**
 * Helpers of the HTTP handler's tests: an app on memory storage and the zero-latency simulator, a
 * storage whose operations can be made to fail, and `Request` builders.
 *
 * @module
 */
import { vi } from 'vitest'
import { createLeadCall, type LeadCallApp } from '../app/create-lead-call.js'
import type { LeadCallConfig } from '../config/config-schema.js'
import type { Logger } from '../logging/logger.js'
import { memoryStorage } from '../storage/memory-storage.js'
import type { StorageV1 } from '../storage/storage-v1.js'
import { simulatedTelephony } from '../telephony/simulated-telephony.js'

/** A storage wrapper: `fail.atomic` / `fail.get` make those operations throw (or `hang.get` never answer). */
export interface FlakyStorage {
  storage: StorageV1
  fail: { atomic: boolean; get: boolean }
  hang: { get: boolean }
  /** Delays every `get` by this many ms (timers, so fake timers drive it). */
  delay: { get: number }
}

/** Wraps memory storage so that tests can make it fail on demand. */
export function flakyStorage(): FlakyStorage {
  const inner = memoryStorage()
  const fail = { atomic: false, get: false }
  const hang = { get: false }
  const delay = { get: 0 }
  const storage = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'atomic' && fail.atomic)
        return () => Promise.reject(new Error('storage unreachable: connect ECONNREFUSED 10.0.0.5:6379'))
      if (property === 'get') {
        if (fail.get) return () => Promise.reject(new Error('storage unreachable'))
        if (hang.get) return () => new Promise(() => {})
        if (delay.get > 0) {
          return async (...args: Parameters<StorageV1['get']>) => {
            await new Promise((resolve) => setTimeout(resolve, delay.get))
            return target.get(...args)
          }
        }
      }
      const value = Reflect.get(target, property, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { storage, fail, hang, delay }
}

/** A logger whose methods are spies. */
export function spyLogger(): Logger & { error: ReturnType<typeof vi.fn> } {
  const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() }
  return logger
}

/** The test app: memory storage, `simulatedTelephony({ seed: 1 })`, no calling hours. */
export function testApp(config: LeadCallConfig = {}): LeadCallApp {
  return createLeadCall({
    storage: memoryStorage(),
    telephony: simulatedTelephony({ seed: 1 }),
    ...config,
    compliance: { callingHours: false, ...config.compliance },
  })
}

/** Registers available agents `a1`, `a2`, … */
export async function addAgents(app: LeadCallApp, count: number): Promise<void> {
  for (let i = 1; i <= count; i++)
    await app.agents.upsert({ id: `a${i}`, name: `Agent ${i}`, status: 'available' })
}

let phoneCounter = 0
/** A new valid US number at every call. */
export function nextPhone(): string {
  phoneCounter++
  return `+1212555${String(1000 + (phoneCounter % 9000)).padStart(4, '0')}`
}

/** Options of {@link request}. */
export interface RequestOptions {
  method?: string
  /** A value sent as JSON (content type `application/json`). */
  json?: unknown
  body?: BodyInit | null
  headers?: Record<string, string>
}

/** A `Request` to `http://localhost<path>`. */
export function request(path: string, options: RequestOptions = {}): Request {
  const headers: Record<string, string> = { ...options.headers }
  let body = options.body ?? null
  if (options.json !== undefined) {
    body = JSON.stringify(options.json)
    headers['content-type'] ??= 'application/json'
  }
  const init: RequestInit & { duplex?: 'half' } = {
    method: options.method ?? (body === null ? 'GET' : 'POST'),
    headers,
    body,
  }
  if (body instanceof ReadableStream) init.duplex = 'half'
  return new Request(`http://localhost${path}`, init)
}

/** The JSON body of a response (typed loosely, for assertions). */
// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary response fields
export async function bodyOf(response: Response): Promise<any> {
  return response.json()
}
