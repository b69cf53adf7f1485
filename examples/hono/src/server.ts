/**
 * Starts the Hono example: {@link startServer}.
 *
 * @module
 */
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import type { LeadCallApp } from '@leadcall/core'
import { createAppFromConfig, type ExampleConfig, loadConfig, serverUrl } from '@leadcall/example-config'
import { createHonoApp } from './hono-app.js'

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** Port to listen on (default 0: a free one, see `url`). */
  port?: number
  /** The environment to read the configuration from (default `process.env`). */
  env?: Record<string, string | undefined>
  /** The configuration, already read (then `env` is not read). */
  config?: ExampleConfig
}

/** A running server. */
export interface RunningServer {
  /**
   * Where the server answers, without a trailing slash, e.g. `http://127.0.0.1:3000`; leadcall is
   * under `config.basePath` (`/leadcall` by default: `${url}/leadcall/dashboard`).
   */
  url: string
  /** The configuration it runs with. */
  config: ExampleConfig
  /** The leadcall app it serves. */
  app: LeadCallApp
  /** Stops accepting requests, closes open connections, then closes the leadcall app. */
  close(): Promise<void>
}

/**
 * Reads the configuration (throwing one error listing every problem), creates the leadcall app
 * and serves the Hono app with `@hono/node-server` on `port` and `config.host`.
 *
 * @example
 * ```ts
 * const { url, app, close } = await startServer({ env: { LEADCALL_CALLING_HOURS: 'off' } })
 * await fetch(`${url}/leadcall/health`)
 * await close()
 * ```
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const config = options.config ?? loadConfig(options.env ?? process.env)
  const configured = await createAppFromConfig(config)
  const web = createHonoApp(configured)
  let server: Server
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const started = serve({ fetch: web.fetch, port: options.port ?? 0, hostname: config.host }, () => {
        started.off('error', reject)
        resolve(started as Server)
      })
      started.once('error', reject)
    })
  } catch (error) {
    await configured.close()
    throw error
  }
  let closing: Promise<void> | undefined
  return {
    url: serverUrl(server.address()),
    config,
    app: configured.app,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }).then(() => configured.close())
      return closing
    },
  }
}
