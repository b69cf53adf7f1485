import { EventEmitter } from 'eventemitter3'
import type { LeadCallEventMap, LeadCallEventName, LeadCallListener } from './event-map.js'

type EmitterEvents = { [K in LeadCallEventName]: [LeadCallEventMap[K]] }

/** Subscribe/unsubscribe half of the event bus, exposed on the app. */
export interface LeadCallEvents {
  /** Calls `listener` on every `event`. Returns a function that unsubscribes. */
  on<K extends LeadCallEventName>(event: K, listener: LeadCallListener<K>): () => void
  /** Calls `listener` on the next `event` only. Returns a function that unsubscribes. */
  once<K extends LeadCallEventName>(event: K, listener: LeadCallListener<K>): () => void
  /** Removes a listener added with `on` or `once`. */
  off<K extends LeadCallEventName>(event: K, listener: LeadCallListener<K>): void
}

/** The full event bus: subscription plus `emit`, used by leadcall's own modules. */
export interface EventBus extends LeadCallEvents {
  /** Delivers `payload` to every listener of `event`; a throwing listener never stops the others. */
  emit<K extends LeadCallEventName>(event: K, payload: LeadCallEventMap[K]): void
  /** Number of listeners of `event`. */
  listenerCount(event: LeadCallEventName): number
  /** Drops every listener of every event. */
  clear(): void
}

/**
 * Creates the typed event bus of one app, on eventemitter3. Listener errors are caught and
 * re-emitted as `listener.error` (and passed to `onListenerError`), so a faulty subscriber can
 * never break lead processing.
 */
export function createEventBus(onListenerError?: (event: string, error: unknown) => void): EventBus {
  const emitter = new EventEmitter<EmitterEvents>()
  // Maps a user's listener to the guarded wrapper registered on the emitter.
  const wrappers = new Map<string, Map<LeadCallListener<never>, (payload: never) => void>>()

  const report = (event: string, error: unknown): void => {
    onListenerError?.(event, error)
    if (event !== 'listener.error' && emitter.listenerCount('listener.error') > 0) {
      emitter.emit('listener.error', { event, error })
    }
  }

  const add = <K extends LeadCallEventName>(event: K, listener: LeadCallListener<K>, once: boolean) => {
    const wrapper = (payload: LeadCallEventMap[K]): void => {
      if (once) forget(event, listener)
      try {
        listener(payload)
      } catch (error) {
        report(event, error)
      }
    }
    let byListener = wrappers.get(event)
    if (!byListener) {
      byListener = new Map()
      wrappers.set(event, byListener)
    }
    const previous = byListener.get(listener as LeadCallListener<never>)
    if (previous) emitter.off(event, previous as never)
    byListener.set(listener as LeadCallListener<never>, wrapper as never)
    if (once) emitter.once(event, wrapper as never)
    else emitter.on(event, wrapper as never)
    return () => bus.off(event, listener)
  }

  const forget = (event: LeadCallEventName, listener: LeadCallListener<never>) => {
    const byListener = wrappers.get(event)
    const wrapper = byListener?.get(listener)
    if (!byListener || !wrapper) return undefined
    byListener.delete(listener)
    return wrapper
  }

  const bus: EventBus = {
    on: (event, listener) => add(event, listener, false),
    once: (event, listener) => add(event, listener, true),
    off(event, listener) {
      const wrapper = forget(event, listener as LeadCallListener<never>)
      if (wrapper) emitter.off(event, wrapper as never)
    },
    emit(event, payload) {
      if (emitter.listenerCount(event) === 0) return
      ;(emitter.emit as (name: string, payload: unknown) => boolean)(event, payload)
    },
    listenerCount: (event) => emitter.listenerCount(event),
    clear() {
      emitter.removeAllListeners()
      wrappers.clear()
    },
  }
  return bus
}
