/**
 * leadcall on AWS Lambda: {@link createLambdaApp}.
 *
 * @module
 */
import { LeadCallError } from '@leadcall/core'
import {
  type ConfiguredApp,
  configError,
  createAppFromConfig,
  type Env,
  type EnvIssue,
  type ExampleConfig,
  loadConfig,
} from '@leadcall/example-config'
import { Hono } from 'hono'
import { type APIGatewayProxyResult, handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda'
import { mount } from 'hono/mount'

/**
 * A Lambda handler of API Gateway HTTP API events (payload format 2.0) and Lambda Function URL
 * events, which share that format (and of the REST API and ALB events `hono/aws-lambda` reads).
 */
export type LambdaHandler = (event: LambdaEvent, context?: LambdaContext) => Promise<APIGatewayProxyResult>

/** Options of {@link createLambdaApp}. */
export interface LambdaAppOptions {
  /** The environment to read the configuration from (default `process.env`), read on first use. */
  env?: Env
}

/** What {@link createLambdaApp} returns. */
export interface LambdaApp {
  /** The Lambda handler: creates the app on its first invocation, then reuses it. */
  handler: LambdaHandler
  /** The configured app, created now if no invocation did yet. */
  configured(): Promise<ConfiguredApp>
  /** Closes the app if it was created (tests; a Lambda container is simply frozen, then dropped). */
  close(): Promise<void>
}

const MEMORY_REFUSED =
  'memory storage does not survive on Lambda: each container has its own memory and loses it when recycled, so leads, queues and agents would vanish between invocations. Set LEADCALL_STORAGE=redis with REDIS_URL, or LEADCALL_STORAGE=postgres with DATABASE_URL'

/**
 * The configuration, with the routes at the root by default (the function is leadcall) and
 * memory storage refused; every problem is reported in one error, as `loadConfig` does.
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` listing every problem.
 */
export function loadLambdaConfig(env: Env): ExampleConfig {
  const issues: EnvIssue[] = []
  let config: ExampleConfig | undefined
  try {
    config = loadConfig({ LEADCALL_BASE_PATH: '/', ...env })
  } catch (error) {
    const listed = LeadCallError.isInstance(error)
      ? (error.details as { issues?: { path: string; message: string }[] } | undefined)?.issues
      : undefined
    if (listed === undefined) throw error
    issues.push(...listed.map((issue) => ({ variable: issue.path, message: issue.message })))
  }
  if ((env.LEADCALL_STORAGE?.trim() || 'memory') === 'memory')
    issues.unshift({ variable: 'LEADCALL_STORAGE', message: MEMORY_REFUSED })
  if (issues.length > 0 || config === undefined) throw configError(issues)
  return config
}

/**
 * Creates leadcall's Lambda handler: a Hono app mounting leadcall's HTTP handler under
 * `LEADCALL_BASE_PATH` (default `/`: `POST /leads`, `GET /health`, `POST /webhooks/twilio`, …),
 * wrapped with `handle` from `hono/aws-lambda`.
 *
 * The leadcall app (its storage connections, providers and pipeline) is created on the first
 * invocation and kept for the life of the container, so warm invocations reuse the connections —
 * the usual Lambda idiom. A creation that fails (a bad environment, an unreachable database) is
 * not kept: the error is thrown to that invocation (Lambda logs it and API Gateway answers 500)
 * and the next invocation tries again.
 */
export function createLambdaApp(options: LambdaAppOptions = {}): LambdaApp {
  type Created = { configured: ConfiguredApp; invoke: ReturnType<typeof handle> }
  let creating: Promise<Created> | undefined

  async function create(): Promise<Created> {
    const configured = await createAppFromConfig(loadLambdaConfig(options.env ?? process.env))
    const web = new Hono()
    web.all(`${configured.config.basePath}/*`, mount(configured.handler))
    return { configured, invoke: handle(web) }
  }

  function ready(): Promise<Created> {
    if (creating === undefined) {
      const attempt = create()
      creating = attempt
      // A failed creation is forgotten, so that the next invocation tries again.
      attempt.catch(() => {
        if (creating === attempt) creating = undefined
      })
    }
    return creating
  }

  return {
    async handler(event, context) {
      const { invoke } = await ready()
      return invoke(event, context)
    },
    configured: async () => (await ready()).configured,
    async close() {
      const current = creating
      creating = undefined
      if (current === undefined) return
      const created = await current.catch(() => undefined)
      await created?.configured.close()
    },
  }
}
