import { cp, mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'tsup'

const bundle = fileURLToPath(new URL('./bundle/', import.meta.url))
const migrations = fileURLToPath(new URL('../../packages/storage-postgres/migrations/', import.meta.url))

/**
 * The Lambda bundle, `pnpm --filter @leadcall/example-lambda bundle`: one ES module with every
 * dependency inside (`bundle/app/handler.mjs`, handler `app/handler.handler`), built from the
 * workspace sources, and PostgreSQL's migrations beside it (`bundle/migrations/`, where the driver
 * looks for them: `../migrations/` from the code). Zip the `bundle` folder's content, or point SAM's
 * `CodeUri` at it.
 */
export default defineConfig({
  entry: { handler: 'src/handler.ts' },
  outDir: 'bundle/app',
  format: ['esm'],
  outExtension: () => ({ js: '.mjs' }),
  platform: 'node',
  target: 'node20',
  bundle: true,
  noExternal: [/.*/],
  // Optional peers leadcall loads only when present (metrics, CSV import), and pg's native binding.
  external: ['prom-client', 'csv-parse', 'pg-native'],
  splitting: false,
  sourcemap: true,
  clean: true,
  dts: false,
  esbuildOptions(options) {
    // Read the workspace packages from their sources, as the tests do (no build of them needed).
    options.conditions = ['dev-source']
    // CommonJS dependencies (ioredis, pg) call require() on Node's built-ins.
    options.banner = {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    }
  },
  async onSuccess() {
    await mkdir(`${bundle}migrations`, { recursive: true })
    await cp(migrations, `${bundle}migrations`, { recursive: true })
  },
})
