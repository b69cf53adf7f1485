import { runExampleMain } from '@leadcall/example-config'
import { startServer } from './server.js'

await runExampleMain('Hono', startServer)
