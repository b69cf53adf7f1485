/**
 * A local Asterisk REST Interface for tests: a real `node:http` server and a `ws` WebSocketServer
 * on 127.0.0.1 (random port) that behave as ARI does per PROVIDERS.md §3 and the ARI api-docs:
 * Basic or `api_key` auth (401 with `WWW-Authenticate`), `{ "message" }` error bodies, originate
 * into a Stasis app (400 invalid parameters, 409 existing id, 400 unknown originator), mixing
 * bridges (`addChannel`: 400 unknown channel, 404 unknown bridge, 422 channel not in Stasis),
 * channel hang-up with a reason, endpoints, application subscriptions, and the events WebSocket
 * (`/ari/events?app=…`, subprotocol `ari`).
 *
 * With `autoEvents` (the default) REST calls push the events Asterisk would (`ChannelCreated` on
 * originate, `StasisEnd` and `ChannelDestroyed` on hang-up, bridge events). The far end is played
 * by the test: {@link AriServer.ring}, {@link AriServer.answer} (`ChannelStateChange` Up, then
 * `StasisStart`), {@link AriServer.remoteHangup}. With `autoEvents` off only the far end speaks,
 * which is what the conformance kit's scripted deliveries need.
 */
import { Buffer } from 'node:buffer'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { type WebSocket, WebSocketServer } from 'ws'

/** One request the server received (REST, or the events WebSocket's upgrade). */
export interface RecordedRequest {
  method: string
  /** The path under `/ari`, e.g. `/channels/leadcall-a1-agent`. */
  path: string
  /** Query parameters, with the body's keys other than `variables` merged in (as ARI does). */
  query: URLSearchParams
  /** The JSON body, when there was one. */
  body: Record<string, unknown> | undefined
  /** True for the events WebSocket's upgrade request. */
  websocket: boolean
  /** The subprotocols the upgrade asked for. */
  protocols: string[]
}

/** One answer the server gave. */
export interface RecordedResponse {
  request: RecordedRequest
  status: number
  body: unknown
}

/** A channel as the server holds it. */
export interface ChannelRecord {
  /** The ARI `Channel` model. */
  json: Record<string, unknown> & { id: string; state: string }
  endpoint: string
  app: string | undefined
  args: string[]
  inStasis: boolean
  bridge: string | undefined
  variables: Record<string, string>
  originator: string | undefined
}

/** A bridge as the server holds it. */
export interface BridgeRecord {
  json: Record<string, unknown> & { id: string; channels: string[] }
}

/** An endpoint as `GET /endpoints` lists it. */
export interface EndpointRecord {
  technology: string
  resource: string
  state?: 'unknown' | 'offline' | 'online'
  channel_ids: string[]
}

interface Client {
  ws: WebSocket
  apps: string[]
}

interface Held {
  res: ServerResponse
  request: RecordedRequest
}

interface Failure {
  method: string
  path: RegExp
  status: number
  message: string | ((request: IncomingMessage) => string)
}

/** Options of {@link startAriServer}. */
export interface AriServerOptions {
  username: string
  password: string
  /** Push the events REST calls cause (default true). */
  autoEvents?: boolean
}

const CAUSE_TEXT: Record<number, string> = {
  1: 'Unallocated (unassigned) number',
  16: 'Normal Clearing',
  17: 'User busy',
  18: 'No user responding',
  19: 'User alerting, no answer',
  21: 'Call Rejected',
  26: 'Answered elsewhere',
  27: 'Destination out of order',
  28: 'Invalid number format (addr incomplete)',
  31: 'Normal, unspecified',
  34: 'Circuit/channel congestion',
  38: 'Network out of order',
  41: 'Temporary failure',
  42: 'Switching equipment congestion',
  127: 'Interworking, unspecified',
}

const REASON_CAUSE: Record<string, number> = {
  normal: 16,
  busy: 17,
  congestion: 34,
  no_answer: 19,
  timeout: 19,
  rejected: 21,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
}

/** ARI's date format: `2026-01-15T15:00:00.000+0000`. */
export function ariDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000')
}

function parseCallerId(value: string | null): { name: string; number: string } {
  if (!value) return { name: '', number: '' }
  const match = /^\s*(?:"([^"]*)"\s*)?<([^>]*)>\s*$/.exec(value)
  if (match) return { name: match[1] ?? '', number: match[2] ?? '' }
  return { name: '', number: value.trim() }
}

/** Starts the server on 127.0.0.1 with a random port. */
export async function startAriServer(options: AriServerOptions): Promise<AriServer> {
  const server = new AriServer(options)
  await server.listen()
  return server
}

/** The local ARI; see the module's description. */
export class AriServer {
  readonly username: string
  readonly password: string
  /** Push the events REST calls cause. */
  autoEvents: boolean
  /** Every request received since the last reset, oldest first. */
  readonly requests: RecordedRequest[] = []
  /** Every answer given since the last reset. */
  readonly responses: RecordedResponse[] = []
  /** Every frame sent on the events WebSocket since the last reset. */
  readonly frames: Record<string, unknown>[] = []
  readonly channels = new Map<string, ChannelRecord>()
  readonly bridges = new Map<string, BridgeRecord>()
  endpoints: EndpointRecord[] = []
  /** The application subscriptions made (`app → eventSource[]`). */
  readonly subscriptions = new Map<string, string[]>()

  private readonly http = createServer((req, res) => void this.onRequest(req, res))
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('ari') ? 'ari' : false),
  })
  private readonly clients = new Set<Client>()
  private readonly held = new Set<Held>()
  private readonly waiters = new Set<{ check: () => boolean; resolve: () => void }>()
  private failures: Failure[] = []
  private hanging = false
  private answersLost: RegExp | undefined
  private authRejected = false
  private writesForbidden = false
  private upgradesRefused = false
  private upgradeAttempts = 0
  private lastStamp = 0
  private serial = 0
  private port = 0

  constructor(options: AriServerOptions) {
    this.username = options.username
    this.password = options.password
    this.autoEvents = options.autoEvents ?? true
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head))
  }

  /** `http://127.0.0.1:<port>`: pass it as the adapter's `url` (`/ari` is added). */
  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve))
    this.port = (this.http.address() as AddressInfo).port
  }

  async close(): Promise<void> {
    this.releaseHeld()
    for (const client of this.clients) client.ws.terminate()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
    this.http.closeAllConnections()
    await new Promise<void>((resolve) => this.http.close(() => resolve()))
  }

  /** Forgets requests, frames, channels, bridges, endpoints and every arranged failure; releases held requests. */
  reset(): void {
    this.releaseHeld()
    this.requests.length = 0
    this.responses.length = 0
    this.frames.length = 0
    this.channels.clear()
    this.bridges.clear()
    this.subscriptions.clear()
    this.endpoints = []
    this.failures = []
    this.hanging = false
    this.answersLost = undefined
    this.authRejected = false
    this.writesForbidden = false
    this.upgradesRefused = false
    this.upgradeAttempts = 0
  }

  // ---------------------------------------------------------------- arranging

  /** Every later REST request (not the WebSocket) hangs, never answered, until `reset` or the client aborts. */
  hang(): void {
    this.hanging = true
  }

  /**
   * Requests whose path matches are carried out but never answered (held until `reset` or the
   * client gives up): the request reached Asterisk, its answer was lost. `undefined` stops it.
   */
  loseAnswers(path: RegExp | undefined): void {
    this.answersLost = path
  }

  /** How many held requests are still open. */
  pendingRequests(): number {
    return this.held.size
  }

  /** Answers every request and WebSocket upgrade with 401, as for a wrong password. */
  rejectAuth(on = true): void {
    this.authRejected = on
  }

  /** Answers writes (POST, PUT, DELETE) with 403 `Write access denied`, as for a `read_only` user. */
  readOnly(on = true): void {
    this.writesForbidden = on
  }

  /** Answers WebSocket upgrades with 503 (Asterisk restarting), so reconnects fail until turned off. */
  refuseUpgrades(on = true): void {
    this.upgradesRefused = on
    this.notify()
  }

  /** How many WebSocket upgrades were attempted since the last reset. */
  upgrades(): number {
    return this.upgradeAttempts
  }

  /** Makes the next request matching `method` and `path` fail with `status` and ARI's `{ message }`. */
  failNext(method: string, path: RegExp, status: number, message: Failure['message']): void {
    this.failures.push({ method, path, status, message })
  }

  /** Replaces the endpoints `GET /endpoints` lists; pushes `EndpointStateChange` for each changed one. */
  setEndpoints(endpoints: EndpointRecord[]): void {
    const before = new Map(this.endpoints.map((e) => [`${e.technology}/${e.resource}`, JSON.stringify(e)]))
    this.endpoints = endpoints.map((e) => ({ ...e, channel_ids: [...e.channel_ids] }))
    for (const endpoint of this.endpoints) {
      const key = `${endpoint.technology}/${endpoint.resource}`
      if (before.get(key) !== JSON.stringify(endpoint)) this.emit({ type: 'EndpointStateChange', endpoint })
    }
  }

  /** The open events WebSockets. */
  connections(): number {
    return this.clients.size
  }

  /** Closes every events WebSocket from the server's side, abruptly (a network drop or an Asterisk restart). */
  dropConnections(): void {
    for (const client of this.clients) client.ws.terminate()
  }

  /** Resolves once `predicate` holds, checked after every request, frame and connection change. */
  waitFor(predicate: () => boolean): Promise<void> {
    if (predicate()) return Promise.resolve()
    return new Promise((resolve) => this.waiters.add({ check: predicate, resolve }))
  }

  /** The originate requests received (`POST /channels…`), optionally only those of one leadcall role. */
  originates(role?: 'agent' | 'lead'): RecordedRequest[] {
    return this.requests.filter((request) => {
      if (request.method !== 'POST' || !/^\/channels(\/[^/]+)?$/.test(request.path)) return false
      if (request.path === '/channels/create') return false
      if (role === undefined) return true
      const variables = request.body?.variables as Record<string, unknown> | undefined
      return variables?.LEADCALL_ROLE === role
    })
  }

  // ---------------------------------------------------------------- the far end

  /** Pushes a frame to every WebSocket of the application, `repeat` times; stamps `timestamp` and `application`. */
  emit(frame: Record<string, unknown>, repeat = 1, app = 'leadcall'): void {
    const stamped = {
      ...frame,
      timestamp: frame.timestamp ?? this.stamp(),
      application: frame.application ?? app,
      asterisk_id: '02:42:ac:11:00:02',
    }
    for (let i = 0; i < repeat; i++) {
      this.frames.push(stamped)
      const text = JSON.stringify(stamped)
      for (const client of this.clients) if (client.apps.includes(app)) client.ws.send(text)
    }
    this.notify()
  }

  /** `ChannelCreated` for a channel (Asterisk may or may not deliver it for an originate). */
  created(channelId: string, repeat = 1): void {
    const channel = this.requireChannel(channelId)
    this.emit({ type: 'ChannelCreated', channel: { ...channel.json } }, repeat, channel.app)
  }

  /** The far end rings: state `Ringing`, `ChannelStateChange`. */
  ring(channelId: string, repeat = 1): void {
    const channel = this.requireChannel(channelId)
    channel.json.state = 'Ringing'
    this.emit({ type: 'ChannelStateChange', channel: { ...channel.json } }, repeat, channel.app)
  }

  /** The far end answers: state `Up`, `ChannelStateChange`, then the channel enters its app: `StasisStart`. */
  answer(channelId: string, repeat = 1): void {
    const channel = this.requireChannel(channelId)
    channel.json.state = 'Up'
    this.emit({ type: 'ChannelStateChange', channel: { ...channel.json } }, repeat, channel.app)
    if (channel.app !== undefined) {
      channel.inStasis = true
      channel.json.dialplan = {
        context: 'default',
        exten: 's',
        priority: 1,
        app_name: 'Stasis',
        app_data: [channel.app, ...channel.args].join(','),
      }
      this.emit(
        { type: 'StasisStart', args: [...channel.args], channel: { ...channel.json } },
        repeat,
        channel.app,
      )
    }
  }

  /** The far end hangs up (or the call fails) with a Q.850 cause: `ChannelHangupRequest`, `StasisEnd`, `ChannelLeftBridge`, `ChannelDestroyed`. */
  remoteHangup(
    channelId: string,
    cause: number,
    options: { repeat?: number; techCause?: number } = {},
  ): void {
    const channel = this.requireChannel(channelId)
    this.destroy(channel, cause, options.repeat ?? 1, options.techCause)
  }

  // ---------------------------------------------------------------- internals

  private stamp(): string {
    const ms = Math.max(Date.now(), this.lastStamp)
    this.lastStamp = ms
    return ariDate(ms)
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.check()) {
        this.waiters.delete(waiter)
        waiter.resolve()
      }
    }
  }

  private requireChannel(channelId: string): ChannelRecord {
    const channel = this.channels.get(channelId)
    if (!channel) throw new Error(`no channel ${channelId}`)
    return channel
  }

  /** Keeps a request open, unanswered, until the client closes it or `reset`. */
  private hold(res: ServerResponse, request: RecordedRequest): void {
    const held: Held = { res, request }
    this.held.add(held)
    res.on('close', () => {
      this.held.delete(held)
      this.notify()
    })
  }

  private releaseHeld(): void {
    for (const held of [...this.held]) {
      this.held.delete(held)
      if (!held.res.writableEnded && !held.res.destroyed)
        this.send(held.res, held.request, 503, { message: 'reset' })
    }
  }

  private destroy(channel: ChannelRecord, cause: number, repeat: number, techCause?: number): void {
    const id = channel.json.id
    const app = channel.app ?? 'leadcall'
    this.emit({ type: 'ChannelHangupRequest', cause, channel: { ...channel.json } }, repeat, app)
    if (channel.inStasis) {
      channel.inStasis = false
      this.emit({ type: 'StasisEnd', channel: { ...channel.json } }, repeat, app)
    }
    if (channel.bridge !== undefined) {
      const bridge = this.bridges.get(channel.bridge)
      if (bridge) {
        bridge.json.channels = bridge.json.channels.filter((c) => c !== id)
        this.emit(
          { type: 'ChannelLeftBridge', bridge: { ...bridge.json }, channel: { ...channel.json } },
          repeat,
          app,
        )
      }
      channel.bridge = undefined
    }
    this.channels.delete(id)
    for (const endpoint of this.endpoints) endpoint.channel_ids = endpoint.channel_ids.filter((c) => c !== id)
    this.emit(
      {
        type: 'ChannelDestroyed',
        cause,
        cause_txt: CAUSE_TEXT[cause] ?? 'Unknown',
        ...(techCause === undefined ? {} : { tech_cause: techCause }),
        channel: { ...channel.json },
      },
      repeat,
      app,
    )
  }

  private authorized(req: IncomingMessage, query: URLSearchParams): boolean {
    if (this.authRejected) return false
    const expected = `${this.username}:${this.password}`
    const header = req.headers.authorization
    if (header !== undefined) {
      const [scheme, value] = header.split(' ')
      return scheme === 'Basic' && Buffer.from(value ?? '', 'base64').toString('utf8') === expected
    }
    return query.get('api_key') === expected
  }

  private send(res: ServerResponse, request: RecordedRequest, status: number, body?: unknown): void {
    this.responses.push({ request, status, body })
    if (status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="Asterisk REST Interface"')
    if (body === undefined) {
      res.writeHead(status)
      res.end()
    } else {
      res.writeHead(status, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    this.notify()
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const protocols = (req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '')
    const request: RecordedRequest = {
      method: 'GET',
      path: url.pathname.replace(/^\/ari/, ''),
      query: url.searchParams,
      body: undefined,
      websocket: true,
      protocols,
    }
    this.requests.push(request)
    this.upgradeAttempts++
    const refuse = (status: number, text: string, message: string): void => {
      this.responses.push({ request, status, body: { message } })
      const body = JSON.stringify({ message })
      socket.write(
        `HTTP/1.1 ${status} ${text}\r\n` +
          (status === 401 ? 'WWW-Authenticate: Basic realm="Asterisk REST Interface"\r\n' : '') +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      )
      socket.destroy()
      this.notify()
    }
    const apps = (url.searchParams.get('app') ?? '').split(',').filter((a) => a !== '')
    if (url.pathname !== '/ari/events') refuse(404, 'Not Found', 'Resource not found')
    else if (!this.authorized(req, url.searchParams)) refuse(401, 'Unauthorized', 'Authentication required')
    else if (this.upgradesRefused) refuse(503, 'Service Unavailable', 'Asterisk not booted')
    else if (apps.length === 0) refuse(400, 'Bad Request', 'Missing parameter app')
    else this.accept(req, socket, head, request, apps)
  }

  private accept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    request: RecordedRequest,
    apps: string[],
  ): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const client: Client = { ws, apps }
      this.clients.add(client)
      this.responses.push({ request, status: 101, body: undefined })
      ws.on('close', () => {
        this.clients.delete(client)
        this.notify()
      })
      this.notify()
    })
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    const query = new URLSearchParams(url.searchParams)
    let body: Record<string, unknown> | undefined
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname.replace(/^\/ari/, ''),
      query,
      body: undefined,
      websocket: false,
      protocols: [],
    }
    if (text !== '') {
      try {
        body = JSON.parse(text) as Record<string, unknown>
      } catch {
        this.requests.push(request)
        return this.send(res, request, 400, { message: 'Invalid JSON body' })
      }
      request.body = body
      // "Other keys in the body object are interpreted as query parameters."
      for (const [key, value] of Object.entries(body ?? {}))
        if (key !== 'variables' && !query.has(key)) query.set(key, String(value))
    }
    this.requests.push(request)
    this.notify()
    if (this.hanging) {
      this.hold(res, request)
      return
    }
    if (!url.pathname.startsWith('/ari/')) return this.send(res, request, 404, { message: 'Not found' })
    if (!this.authorized(req, query)) {
      return this.send(res, request, 401, { message: 'Authentication required' })
    }
    if (this.writesForbidden && request.method !== 'GET') {
      return this.send(res, request, 403, { message: 'Write access denied' })
    }
    const failure = this.failures.find((f) => f.method === request.method && f.path.test(request.path))
    if (failure) {
      this.failures.splice(this.failures.indexOf(failure), 1)
      const message = typeof failure.message === 'function' ? failure.message(req) : failure.message
      return this.send(res, request, failure.status, { message })
    }
    const [status, answer] = this.route(request)
    if (this.answersLost?.test(request.path)) {
      this.hold(res, request)
      return
    }
    this.send(res, request, status, answer)
  }

  private route(request: RecordedRequest): [number, unknown] {
    const { method, path, query } = request
    const parts = path
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent)
    const [resource, id, action] = parts
    if (resource === 'channels') {
      if (method === 'GET' && parts.length === 1) return [200, [...this.channels.values()].map((c) => c.json)]
      if (method === 'POST' && parts.length === 1)
        return this.originate(query.get('channelId') ?? undefined, request)
      if (method === 'POST' && parts.length === 2 && id !== undefined) return this.originate(id, request)
      if (method === 'GET' && parts.length === 2 && id !== undefined) {
        const channel = this.channels.get(id)
        return channel ? [200, channel.json] : [404, { message: 'Channel not found' }]
      }
      if (method === 'DELETE' && parts.length === 2 && id !== undefined) return this.hangup(id, query)
    }
    if (resource === 'bridges') {
      if (method === 'GET' && parts.length === 1) return [200, [...this.bridges.values()].map((b) => b.json)]
      if (method === 'POST' && parts.length === 1)
        return this.createBridge(query.get('bridgeId') ?? undefined, query)
      if (method === 'POST' && parts.length === 2 && id !== undefined) return this.createBridge(id, query)
      if (method === 'GET' && parts.length === 2 && id !== undefined) {
        const bridge = this.bridges.get(id)
        return bridge ? [200, bridge.json] : [404, { message: 'Bridge not found' }]
      }
      if (method === 'DELETE' && parts.length === 2 && id !== undefined) return this.destroyBridge(id)
      if (method === 'POST' && parts.length === 3 && id !== undefined && action === 'addChannel')
        return this.addChannel(id, query)
    }
    if (resource === 'endpoints' && method === 'GET') {
      if (parts.length === 1) return [200, this.endpoints]
      const matching = this.endpoints.filter(
        (e) => e.technology === parts[1] && (parts.length === 2 || e.resource === parts[2]),
      )
      if (parts.length === 2)
        return matching.length > 0 ? [200, matching] : [404, { message: 'Endpoints not found' }]
      if (parts.length === 3)
        return matching[0] ? [200, matching[0]] : [404, { message: 'Endpoints not found' }]
    }
    if (resource === 'applications' && method === 'POST' && parts.length === 3 && action === 'subscription') {
      const source = query.get('eventSource')
      if (!source) return [400, { message: 'Missing parameter eventSource' }]
      const app = id ?? ''
      if (![...this.clients].some((c) => c.apps.includes(app)))
        return [404, { message: 'Application not found' }]
      this.subscriptions.set(app, [...(this.subscriptions.get(app) ?? []), ...source.split(',')])
      return [
        200,
        {
          name: app,
          channel_ids: [],
          bridge_ids: [],
          endpoint_ids: this.endpoints.map((e) => `${e.technology}/${e.resource}`),
          device_names: [],
          events_allowed: [],
          events_disallowed: [],
        },
      ]
    }
    return [404, { message: 'Resource not found' }]
  }

  private originate(channelId: string | undefined, request: RecordedRequest): [number, unknown] {
    const { query, body } = request
    const endpoint = query.get('endpoint')
    if (!endpoint) return [400, { message: 'Endpoint must be specified' }]
    const slash = endpoint.indexOf('/')
    if (slash <= 0 || slash === endpoint.length - 1) return [400, { message: 'Invalid endpoint specified' }]
    const app = query.get('app') ?? undefined
    if (app === undefined && !query.get('extension')) {
      return [400, { message: 'Application or extension must be specified' }]
    }
    const originator = query.get('originator') ?? undefined
    if (originator !== undefined && !this.channels.has(originator)) {
      return [400, { message: 'Provided originator channel was not found' }]
    }
    const variables = (body?.variables ?? {}) as Record<string, unknown>
    if (Object.values(variables).some((value) => typeof value !== 'string')) {
      return [400, { message: "Only string values in the 'variables' object allowed" }]
    }
    this.serial++
    const id = channelId ?? `1768489200.${this.serial}`
    if (this.channels.has(id)) return [409, { message: 'Channel with given unique ID already exists' }]
    const device = endpoint.slice(slash + 1)
    const resource = device.includes('@') ? device.slice(device.indexOf('@') + 1) : device
    const json = {
      id,
      protocol_id: '',
      name: `${endpoint.slice(0, slash)}/${resource}-${this.serial.toString(16).padStart(8, '0')}`,
      state: 'Down',
      caller: parseCallerId(query.get('callerId')),
      connected: { name: '', number: '' },
      accountcode: '',
      dialplan: { context: 'default', exten: 's', priority: 1, app_name: '', app_data: '' },
      creationtime: this.stamp(),
      language: 'en',
    }
    const channel: ChannelRecord = {
      json,
      endpoint,
      app,
      args: (query.get('appArgs') ?? '').split(',').filter((a) => a !== ''),
      inStasis: false,
      bridge: undefined,
      variables: variables as Record<string, string>,
      originator,
    }
    this.channels.set(id, channel)
    const owner = this.endpoints.find((e) => `${e.technology}/${e.resource}` === endpoint)
    owner?.channel_ids.push(id)
    if (this.autoEvents && app !== undefined)
      this.emit({ type: 'ChannelCreated', channel: { ...json } }, 1, app)
    return [200, { ...json }]
  }

  private hangup(channelId: string, query: URLSearchParams): [number, unknown] {
    const reason = query.get('reason')
    const code = query.get('reason_code')
    if (reason !== null && code !== null) return [400, { message: 'Invalid reason for hangup provided' }]
    if (reason !== null && REASON_CAUSE[reason] === undefined) {
      return [400, { message: 'Invalid reason for hangup provided' }]
    }
    const channel = this.channels.get(channelId)
    if (!channel) return [404, { message: 'Channel not found' }]
    const cause = code !== null ? Number(code) : (REASON_CAUSE[reason ?? 'normal'] ?? 16)
    if (this.autoEvents) this.destroy(channel, cause, 1)
    else {
      this.channels.delete(channelId)
      if (channel.bridge !== undefined) {
        const bridge = this.bridges.get(channel.bridge)
        if (bridge) bridge.json.channels = bridge.json.channels.filter((c) => c !== channelId)
      }
    }
    return [204, undefined]
  }

  private createBridge(bridgeId: string | undefined, query: URLSearchParams): [number, unknown] {
    this.serial++
    const id = bridgeId ?? `bridge-${this.serial}`
    if (this.bridges.has(id)) return [409, { message: 'Bridge with the same bridgeId already exists' }]
    const type = query.get('type') ?? 'mixing'
    const json = {
      id,
      technology: 'simple_bridge',
      bridge_type: type.includes('holding') ? 'holding' : 'mixing',
      bridge_class: 'stasis',
      creator: 'Stasis',
      name: query.get('name') ?? '',
      channels: [] as string[],
      creationtime: this.stamp(),
    }
    this.bridges.set(id, { json })
    if (this.autoEvents) this.emit({ type: 'BridgeCreated', bridge: { ...json, channels: [] } })
    return [200, { ...json, channels: [] }]
  }

  private destroyBridge(bridgeId: string): [number, unknown] {
    const bridge = this.bridges.get(bridgeId)
    if (!bridge) return [404, { message: 'Bridge not found' }]
    for (const id of bridge.json.channels) {
      const channel = this.channels.get(id)
      if (!channel) continue
      channel.bridge = undefined
      if (this.autoEvents)
        this.emit({ type: 'ChannelLeftBridge', bridge: { ...bridge.json }, channel: { ...channel.json } })
    }
    bridge.json.channels = []
    this.bridges.delete(bridgeId)
    if (this.autoEvents) this.emit({ type: 'BridgeDestroyed', bridge: { ...bridge.json } })
    return [204, undefined]
  }

  private addChannel(bridgeId: string, query: URLSearchParams): [number, unknown] {
    const ids = (query.get('channel') ?? '').split(',').filter((c) => c !== '')
    if (ids.length === 0) return [400, { message: 'Missing parameter channel' }]
    const bridge = this.bridges.get(bridgeId)
    if (!bridge) return [404, { message: 'Bridge not found' }]
    const channels = ids.map((id) => this.channels.get(id))
    if (channels.some((c) => c === undefined)) return [400, { message: 'Channel not found' }]
    if (channels.some((c) => !c?.inStasis)) return [422, { message: 'Channel not in Stasis application' }]
    for (const channel of channels) {
      if (!channel || bridge.json.channels.includes(channel.json.id)) continue
      channel.bridge = bridgeId
      bridge.json.channels.push(channel.json.id)
      if (this.autoEvents)
        this.emit({ type: 'ChannelEnteredBridge', bridge: { ...bridge.json }, channel: { ...channel.json } })
    }
    return [204, undefined]
  }
}
