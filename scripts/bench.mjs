#!/usr/bin/env node
// `pnpm bench <name> [--json] [...]` runs bench/<name>.bench.ts on the workspace sources (no build
// needed) with --expose-gc, so a benchmark can measure memory. Without a name it lists them.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const benchDir = join(root, 'bench')
const [name, ...args] = process.argv.slice(2)
const available = readdirSync(benchDir)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.slice(0, -'.bench.ts'.length))

if (!name || !available.includes(name)) {
  console.error(`usage: pnpm bench <name> [--json]\navailable: ${available.join(', ')}`)
  process.exit(name ? 1 : 0)
}
const file = join(benchDir, `${name}.bench.ts`)
if (!existsSync(file)) process.exit(1)
const run = spawnSync(
  process.execPath,
  ['--conditions=dev-source', '--import', 'tsx', '--expose-gc', file, ...args],
  { cwd: benchDir, stdio: 'inherit' },
)
process.exit(run.status ?? 1)
