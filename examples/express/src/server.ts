/**
 * Starts the Express example: {@link startServer}.
 *
 * @module
 */
import { createServer } from 'node:http'
import type { LeadCallApp } from '@leadcall/core'
import {
  createAppFromConfig,
  type Env,
  type ExampleConfig,
  loadConfig,
  serverUrl,
} from '@leadcall/example-config'
import { createExpressApp } from './express-app.js'

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** Port to listen on (default 0: a free one, see `url`). */
  port?: number
  /** The environment to read the configuration from (default `process.env`). */
  env?: Env
  /** The configuration, already read (then `env` is not read). */
  config?: ExampleConfig
}

/** A running server. */
export interface RunningServer {
  /** Where the server answers, e.g. `http://127.0.0.1:3000`; leadcall is under `config.basePath`. */
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
 * and serves the Express app on `port` and `config.host`.
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const config = options.config ?? loadConfig(options.env ?? process.env)
  const configured = await createAppFromConfig(config)
  const server = createServer(createExpressApp(configured))
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, config.host, () => {
        server.off('error', reject)
        resolve()
      })
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
