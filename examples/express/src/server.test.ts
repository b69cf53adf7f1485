import { fileURLToPath } from 'node:url'
import { hostExampleSuite } from '@leadcall/example-config/host-suite'
import { expect } from 'vitest'
import { startServer } from './server.js'

hostExampleSuite({
  name: 'Express',
  startServer,
  root: fileURLToPath(new URL('..', import.meta.url)),
  async expectHostNotFound(response) {
    // Express's own 404 page, not leadcall's JSON error.
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
  },
})
