import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import type { HttpHandler } from '@leadcall/core'

/** A running test server: its base URL, and how to stop it. */
export interface TestServer {
  /** `http://127.0.0.1:<port>`. */
  url: string
  /** Requests received, method and path, in order. */
  requests: { method: string; path: string; contentType: string | undefined }[]
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}

function toRequest(req: IncomingMessage, base: string): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v)
    else if (value !== undefined) headers.set(name, value)
  }
  const method = req.method ?? 'GET'
  const init: RequestInit & { duplex?: 'half' } = { method, headers }
  if (method !== 'GET' && method !== 'HEAD') {
    init.body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>
    init.duplex = 'half'
  }
  return new Request(new URL(req.url ?? '/', base), init)
}

async function send(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers))
  if (response.body) for await (const chunk of response.body) res.write(chunk)
  res.end()
}

/**
 * Serves a Web-standard handler (`createHttpHandler(app)`) over node:http on a free local port:
 * each request becomes a `Request` whose body streams from the socket, each `Response` is written
 * back as it comes.
 */
export async function serveHandler(handler: HttpHandler): Promise<TestServer> {
  const requests: TestServer['requests'] = []
  let base = ''
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', contentType: req.headers['content-type'] })
    handler(toRequest(req, base))
      .then((response) => send(response, res))
      .catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(String(error))
      })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
