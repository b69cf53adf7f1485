/**
 * One worker process: a leadcall app on the shared store, taking leads from the parent and
 * dialing through the parent's provider hub. Started by `cluster.ts` with
 * `node --conditions=dev-source --import tsx worker.ts`.
 */
import {
  createLeadCall,
  type DialRequest,
  type DialResult,
  isLeadCallError,
  type TelephonyProviderV1,
} from '@leadcall/core'
import { openStorage } from './drivers.js'
import type { FromWorker, ToWorker, WorkerSettings } from './protocol.js'

const settings = JSON.parse(process.env.LEADCALL_WORKER ?? '{}') as WorkerSettings
const send = (message: FromWorker) => process.send?.(message)

const pendingDials = new Map<number, (result: DialResult) => void>()
let nextRequest = 0

/** The provider as seen from a worker: every dial goes to the parent's hub, which counts it. */
const hub: TelephonyProviderV1 = {
  specificationVersion: 'v1',
  name: 'hub',
  capabilities: {
    agentFirstDial: true,
    leadFirstDial: false,
    contactSync: false,
    presence: false,
    hangup: false,
    idempotentDial: true,
    campaignMode: false,
    recording: false,
    machineDetection: false,
    signedWebhooks: false,
  },
  async dial(request: DialRequest, options = {}) {
    if (settings.dialDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, settings.dialDelayMs))
    options.signal?.throwIfAborted()
    const id = nextRequest++
    return new Promise<DialResult>((resolve) => {
      pendingDials.set(id, resolve)
      send({
        type: 'dial',
        request: id,
        attemptId: request.attemptId,
        processId: request.processId,
        agentId: request.agent.id,
        phone: request.lead.phone,
      })
    })
  },
}

const storage = await openStorage(settings.driver, settings.url, settings.scope)
const app = createLeadCall({
  storage,
  tenant: settings.tenant,
  telephony: hub,
  compliance: { callingHours: false, maxAttemptsPerDay: 100, minDelayBetweenAttemptsMs: 0 },
  pipeline: { pollMs: settings.pollMs, queueLeaseMs: settings.leaseMs, noAnswerTimeoutMs: 60_000 },
})
app.on('agent.assigned', (e) => send({ type: 'assigned', processId: e.processId, agentId: e.agentId }))
app.on('lead.completed', (e) => send({ type: 'completed', processId: e.processId }))
app.on('lead.failed', (e) => {
  if (process.env.SCALE_OUT_DEBUG) console.error('failed', e.code, e.message)
  send({ type: 'failed', processId: e.processId, code: e.code })
})

process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'submit':
      app.submitLead(message.lead).then(
        (result) => {
          if (process.env.SCALE_OUT_DEBUG && result.status === 'failed')
            console.error('FAILED RESULT', JSON.stringify(result))
          send({
            type: 'submitted',
            id: message.id,
            processId: result.processId,
            status: result.status,
            ...(result.error ? { code: result.error.code } : {}),
          })
        },
        (error: unknown) =>
          send({
            type: 'submitted',
            id: message.id,
            error: isLeadCallError(error) ? error.code : String(error),
          }),
      )
      return
    case 'event':
      app.handleCallEvent(message.event).then(
        (result) => send({ type: 'delivered', delivery: message.delivery, applied: result.applied }),
        (error: unknown) => send({ type: 'error', message: `event: ${String(error)}` }),
      )
      return
    case 'dialed':
      pendingDials.get(message.request)?.({ providerCallId: message.providerCallId })
      pendingDials.delete(message.request)
      return
    case 'stop':
      app
        .close()
        .catch(() => undefined)
        .finally(() => process.exit(0))
      return
  }
})

process.on('unhandledRejection', (error) => {
  send({ type: 'error', message: `unhandled: ${error instanceof Error ? error.stack : String(error)}` })
})

send({ type: 'ready' })
