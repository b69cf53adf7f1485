#!/usr/bin/env node
// Runs publint (strict) and @arethetypeswrong/cli on every built package of the workspace and
// fails when either reports a problem. Run after `turbo run build` (`pnpm check:packages` does both).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const dirs = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')))

let failed = 0
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  if (pkg.private) continue
  for (const [label, cmd, args] of [
    ['publint', 'pnpm', ['exec', 'publint', '--strict', dir]],
    ['attw', 'pnpm', ['exec', 'attw', '--pack', dir, '--profile', 'node16', '--format', 'table-flipped']],
  ]) {
    const run = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' })
    const output = `${run.stdout}${run.stderr}`.trim()
    // publint --strict exits non-zero on warnings and errors; attw exits non-zero on any problem.
    const ok = run.status === 0
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${label.padEnd(8)} ${pkg.name}`)
    if (!ok) {
      failed++
      console.log(output)
    }
  }
}
if (failed > 0) {
  console.error(`\n${failed} package check(s) failed`)
  process.exit(1)
}
console.log(`\nall ${dirs.length} packages pass publint --strict and attw`)
