/**
 * What a host example's `src/main.ts` does: {@link runExampleMain}.
 *
 * @module
 */
import { LeadCallError } from '@leadcall/core'
import type { ExampleConfig } from './example-config.js'
import { loadConfig } from './load-config.js'

/** What a host example's `startServer` takes and gives, as far as its `main` needs. */
export type StartExampleServer = (options: {
  config: ExampleConfig
  port: number
}) => Promise<{ url: string; close(): Promise<void> }>

/**
 * Starts a host example from `process.env`: prints where it listens and how to call it, stops on
 * SIGINT/SIGTERM (exit 0), and on a bad environment prints every problem and exits 1.
 */
export async function runExampleMain(name: string, startServer: StartExampleServer): Promise<void> {
  try {
    const config = loadConfig()
    const server = await startServer({ config, port: config.port })
    const leadcall = `${server.url}${config.basePath}`
    const provider = config.telephony.map((entry) => entry.kind).join(' → ')
    console.log(
      `leadcall ${name} example on ${server.url} (storage ${config.storage.kind}, telephony ${provider})`,
    )
    console.log(
      `  leads:   curl -X POST ${leadcall}/leads -H 'content-type: application/json' -d '{"name":"John Carter","phone":"+14155552671"}'`,
    )
    console.log(`  health:  curl ${leadcall}/health`)
    if (config.adminToken === undefined)
      console.log('  note:    LEADCALL_ADMIN_TOKEN is not set, the management routes are open')
    if (config.intakeSecret === undefined)
      console.log('  note:    LEADCALL_INTAKE_SECRET is not set, POST /leads takes leads from anyone')
    const stop = () => {
      server.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error)
          process.exit(1)
        },
      )
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  } catch (error) {
    console.error(LeadCallError.isInstance(error) ? error.message : error)
    process.exitCode = 1
  }
}
