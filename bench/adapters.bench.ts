/**
 * What an adapter costs its users: cold start and installed size of `@leadcall/twilio`, beside the
 * `twilio` helper library (the vendor SDK it replaces) measured in the same run, and of
 * `@leadcall/cloudtalk` (CloudTalk has no Node SDK: absolute figures only).
 *
 * Cold start measures what users get: the built package (`dist/index.js`, ESM), imported by plain
 * `node` with no loader and no `dev-source` condition, so `@leadcall/core` resolves to its `dist`
 * too. A package whose `dist` is missing is built first (`pnpm --filter … build`); a `dist` older
 * than its sources is used as it is with a warning (`--build` rebuilds it). For each target, a
 * fresh Node process is started `--runs` times (default 7, after one unmeasured warm-up, the runs
 * of the targets interleaved so drift hits them alike), and it reports:
 *
 * - `import`: `performance.now()` around `await import(<package>)` (Node's own boot excluded);
 * - `ready`: import plus what it takes to be ready to place a call, without any request: for
 *   `@leadcall/twilio`, `twilio({ accountSid, authToken, from, statusCallbackUrl })`; for the
 *   `twilio` library, `twilio(accountSid, authToken)` and reading `client.calls` (the library loads
 *   its REST API lazily on that first access); for `@leadcall/cloudtalk`, `cloudtalk({ … })`.
 *
 * The medians are reported, `@leadcall/twilio`'s with the `twilio` library's as `baseline` and
 * their `ratio` (target ≤ 0.1). The OS file cache is warm (the warm-up run): this is Node's cold
 * start, not the disk's. An adapter imports only core's spec entry (`@leadcall/core/provider`), but
 * an app also imports `@leadcall/core` itself to build the pipeline, so each target is also
 * measured in a process that imported `@leadcall/core` before the clock started
 * (`…-beyond-core`: the adapter's own cost, and the `twilio` library's
 * in the same situation; that process runs with `--expose-gc` and collects the garbage core's import
 * left before the clock starts — without it, the major collection it triggers, 10–20 ms on this
 * kind of machine, lands on whatever is imported next). `@leadcall/core`'s import alone is reported
 * for scale.
 *
 * Installed size, in kB (1,000 bytes) of file contents:
 *
 * - a leadcall adapter: its own files as published — `unpackedSize` of `npm pack --dry-run --json`
 *   in its package folder (the `files` of its package.json: `dist` and `src`) — plus the installed
 *   tree of its runtime `dependencies` (e.g. `ky`, `zod`), each package counted once. The peer
 *   `@leadcall/core` is left out (an app needs it whichever telephony library it uses) and
 *   reported on its own, the same way. `…-beyond-core` also leaves out the packages core's own
 *   tree already installed (e.g. `zod`): what adding the adapter to an app costs;
 * - the `twilio` library: its installed folder and its whole runtime dependency tree, as pnpm
 *   installed them under `bench/node_modules` (resolved the way Node does, each package counted
 *   once, nested `node_modules` not counted twice).
 *
 * `pnpm bench adapters [--json] [--runs N] [--build]`
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { json, report } from './support.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const root = join(here, '..')
const runsAt = process.argv.indexOf('--runs')
const RUNS = runsAt >= 0 ? Math.max(1, Number(process.argv[runsAt + 1]) || 7) : 7
const forceBuild = process.argv.includes('--build')

const note = (message: string): void => {
  if (json) console.error(message)
  else console.log(message)
}

// ------------------------------------------------------------------------------ the packages

interface Workspace {
  /** The npm name. */
  name: string
  /** The package folder. */
  dir: string
}

const CORE: Workspace = { name: '@leadcall/core', dir: join(root, 'packages/core') }
const TWILIO: Workspace = { name: '@leadcall/twilio', dir: join(root, 'packages/adapters-twilio') }
const CLOUDTALK: Workspace = { name: '@leadcall/cloudtalk', dir: join(root, 'packages/adapters-cloudtalk') }
const WORKSPACES = [CORE, TWILIO, CLOUDTALK]

const entryOf = (workspace: Workspace): string => join(workspace.dir, 'dist/index.js')

/** The newest modification time of the source files under `dir`, tests left out (ms). */
function newest(dir: string): number {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) latest = Math.max(latest, newest(path))
    else if (entry.isFile() && !/\.test(-util)?\.ts$/.test(entry.name))
      latest = Math.max(latest, statSync(path).mtimeMs)
  }
  return latest
}

/** Builds the packages whose `dist` is missing (all of them with `--build`). */
function ensureBuilt(): void {
  const missing = WORKSPACES.filter((workspace) => forceBuild || !existsSync(entryOf(workspace)))
  if (missing.length > 0) {
    note(
      `building ${missing.map((w) => w.name).join(', ')} (dist missing${forceBuild ? ' or --build' : ''})…`,
    )
    const filters = missing.flatMap((workspace) => ['--filter', workspace.name])
    const run = spawnSync('npx', ['-y', 'pnpm@10.34.8', ...filters, 'build'], {
      cwd: root,
      stdio: ['ignore', json ? 'ignore' : 'inherit', 'inherit'],
    })
    if (run.status !== 0) throw new Error(`the build failed (${run.status})`)
  }
  for (const workspace of WORKSPACES) {
    if (newest(join(workspace.dir, 'src')) > statSync(entryOf(workspace)).mtimeMs)
      note(`warning: ${workspace.name}'s dist is older than its sources (pass --build to rebuild it)`)
  }
}

// ------------------------------------------------------------------------------ cold start

interface Target {
  /** The figure's name part. */
  key: string
  /** The module specifier the child imports. */
  specifier: string
  /** Child code run after the import (the module is `mod`), to be ready to place a call. */
  ready: string
  /** Imported before the clock starts (`@leadcall/core`, for the cost beyond it). */
  preload?: string
}

const SID = 'AC0123456789abcdef0123456789abcdef'
const TOKEN = 'f00dfacef00dfacef00dfacef00dface'

const BASE_TARGETS: Target[] = [
  { key: 'core', specifier: pathToFileURL(entryOf(CORE)).href, ready: 'mod.createLeadCall' },
  {
    key: 'leadcall-twilio',
    specifier: pathToFileURL(entryOf(TWILIO)).href,
    ready: `mod.twilio({ accountSid: '${SID}', authToken: '${TOKEN}', from: '+14155550000', statusCallbackUrl: 'https://hooks.example.com/webhooks/twilio' })`,
  },
  {
    key: 'twilio-sdk',
    // Resolved from bench/ (its devDependency), as an app that depends on it would.
    specifier: 'twilio',
    ready: `(mod.default ?? mod)('${SID}', '${TOKEN}').calls`,
  },
  {
    key: 'leadcall-cloudtalk',
    specifier: pathToFileURL(entryOf(CLOUDTALK)).href,
    ready:
      "mod.cloudtalk({ accessKeyId: 'AKBENCH', accessKeySecret: 'secret', webhookSecret: 'bench-webhook-secret-0001' })",
  },
]

/** Each target again in a process that imported `@leadcall/core` first: the cost beyond core. */
const TARGETS: Target[] = [
  ...BASE_TARGETS,
  ...BASE_TARGETS.filter((target) => target.key !== 'core').map((target) => ({
    ...target,
    key: `${target.key}+core`,
    preload: pathToFileURL(entryOf(CORE)).href,
  })),
]

interface Timing {
  importMs: number
  readyMs: number
}

/** One fresh Node process: plain `node`, no loader, no extra conditions. */
function coldStart(target: Target): Timing {
  const code = [
    ...(target.preload === undefined
      ? []
      : // The garbage the preload left is collected before the clock starts: it is core's cost.
        [`await import(${JSON.stringify(target.preload)})`, 'globalThis.gc()']),
    'const t0 = performance.now()',
    `const mod = await import(${JSON.stringify(target.specifier)})`,
    'const t1 = performance.now()',
    `const ready = ${target.ready}`,
    'if (ready === undefined) throw new Error("not ready")',
    'const t2 = performance.now()',
    'console.log(JSON.stringify({ importMs: t1 - t0, readyMs: t2 - t0 }))',
  ].join('\n')
  const env = { ...process.env }
  delete env.NODE_OPTIONS
  const flags = target.preload === undefined ? [] : ['--expose-gc']
  const run = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', code], {
    cwd: here,
    env,
    encoding: 'utf8',
  })
  const line = run.stdout.trim().split('\n').at(-1) ?? ''
  if (run.status !== 0 || !line.startsWith('{'))
    throw new Error(`importing ${target.key} failed (${run.status}): ${run.stderr.slice(0, 2000)}`)
  return JSON.parse(line) as Timing
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

function measureColdStarts(): Map<string, { importMs: number; readyMs: number }> {
  const samples = new Map<string, Timing[]>(TARGETS.map((target) => [target.key, []]))
  for (const target of TARGETS) coldStart(target) // warm-up: the OS file cache, not counted
  for (let run = 0; run < RUNS; run++) {
    for (const target of TARGETS) samples.get(target.key)?.push(coldStart(target))
  }
  const medians = new Map<string, { importMs: number; readyMs: number }>()
  for (const [key, list] of samples) {
    medians.set(key, {
      importMs: median(list.map((timing) => timing.importMs)),
      readyMs: median(list.map((timing) => timing.readyMs)),
    })
  }
  return medians
}

// ------------------------------------------------------------------------------ installed size

/** Bytes of the files under `dir`, leaving out nested `node_modules` (their packages count on their own). */
function folderBytes(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += folderBytes(path)
    else if (entry.isFile()) total += statSync(path).size
  }
  return total
}

/** Where Node finds package `name` from `fromDir`: the nearest `node_modules/<name>` up the tree. */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  let dir = fromDir
  for (;;) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate)
    const parent = dirname(dir)
    if (parent === dir) return undefined
    dir = parent
  }
}

interface PackageJson {
  name?: string
  version?: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
}

const readJson = (path: string): PackageJson => JSON.parse(readFileSync(path, 'utf8')) as PackageJson

/**
 * The installed size of the runtime dependency trees of `names` (resolved from `fromDir`), each
 * package folder counted once across all of them (`seen`).
 */
function treeBytes(names: readonly string[], fromDir: string, seen: Set<string>): number {
  let total = 0
  for (const name of names) {
    const dir = resolvePackageDir(name, fromDir)
    if (dir === undefined || seen.has(dir)) continue // an optional dependency not installed here
    seen.add(dir)
    const manifest = readJson(join(dir, 'package.json'))
    total += folderBytes(dir)
    total += treeBytes(
      [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.optionalDependencies ?? {})],
      dir,
      seen,
    )
  }
  return total
}

/** `npm pack --dry-run --json` of a workspace package: the tarball's size and its unpacked size. */
function packed(workspace: Workspace): { size: number; unpackedSize: number } {
  const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: workspace.dir,
    encoding: 'utf8',
  })
  if (run.status !== 0) throw new Error(`npm pack failed in ${workspace.dir}: ${run.stderr.slice(0, 2000)}`)
  const [entry] = JSON.parse(run.stdout) as { size: number; unpackedSize: number }[]
  if (!entry) throw new Error(`npm pack printed nothing in ${workspace.dir}`)
  return { size: entry.size, unpackedSize: entry.unpackedSize }
}

/**
 * A workspace package as installed: its published files plus its runtime dependencies' tree, less
 * the package folders already in `seen`.
 */
function leadcallInstalled(workspace: Workspace, seen: Set<string>): { bytes: number; packedBytes: number } {
  const pack = packed(workspace)
  const manifest = readJson(join(workspace.dir, 'package.json'))
  const deps = Object.keys(manifest.dependencies ?? {}).filter((name) => !name.startsWith('@leadcall/'))
  return { bytes: pack.unpackedSize + treeBytes(deps, workspace.dir, seen), packedBytes: pack.size }
}

// ------------------------------------------------------------------------------ report

const kB = (bytes: number): number => Math.round(bytes / 100) / 10
const ms = (value: number): number => Math.round(value * 100) / 100
const ratio = (value: number, baseline: number): number => Math.round((value / baseline) * 10_000) / 10_000

function main(): void {
  ensureBuilt()
  const twilioSdkDir = resolvePackageDir('twilio', here)
  if (twilioSdkDir === undefined)
    throw new Error('the twilio library is not installed in bench/ (pnpm install)')
  const sdkVersion = readJson(join(twilioSdkDir, 'package.json')).version ?? '?'
  note(`@leadcall/twilio vs twilio ${sdkVersion}; ${RUNS} fresh processes each, medians`)

  const cold = measureColdStarts()
  const get = (key: string) => cold.get(key) ?? { importMs: Number.NaN, readyMs: Number.NaN }
  const compare = (name: string, value: number, baseline: number) =>
    report({ name, value: ms(value), unit: 'ms', baseline: ms(baseline), ratio: ratio(value, baseline) })
  compare('adapters.twilio.cold-start.import', get('leadcall-twilio').importMs, get('twilio-sdk').importMs)
  compare('adapters.twilio.cold-start.ready', get('leadcall-twilio').readyMs, get('twilio-sdk').readyMs)
  compare(
    'adapters.twilio.cold-start.import-beyond-core',
    get('leadcall-twilio+core').importMs,
    get('twilio-sdk+core').importMs,
  )
  compare(
    'adapters.twilio.cold-start.ready-beyond-core',
    get('leadcall-twilio+core').readyMs,
    get('twilio-sdk+core').readyMs,
  )
  report({
    name: 'adapters.cloudtalk.cold-start.import',
    value: ms(get('leadcall-cloudtalk').importMs),
    unit: 'ms',
  })
  report({
    name: 'adapters.cloudtalk.cold-start.ready',
    value: ms(get('leadcall-cloudtalk').readyMs),
    unit: 'ms',
  })
  report({
    name: 'adapters.cloudtalk.cold-start.import-beyond-core',
    value: ms(get('leadcall-cloudtalk+core').importMs),
    unit: 'ms',
  })
  report({ name: 'adapters.core.cold-start.import', value: ms(get('core').importMs), unit: 'ms' })

  // Sizes: standalone, then beyond what @leadcall/core already installed (shared packages, e.g. zod).
  const coreSeen = new Set<string>()
  const coreDeps = Object.keys(readJson(join(CORE.dir, 'package.json')).dependencies ?? {})
  const corePack = packed(CORE)
  const coreBytes = corePack.unpackedSize + treeBytes(coreDeps, CORE.dir, coreSeen)
  const sdkBytes = treeBytes(['twilio'], here, new Set())
  const sdkBeyondCore = treeBytes(['twilio'], here, new Set(coreSeen))
  const twilioInstalled = leadcallInstalled(TWILIO, new Set())
  const twilioBeyondCore = leadcallInstalled(TWILIO, new Set(coreSeen))
  const sizes = (name: string, value: number, baseline: number) =>
    report({ name, value: kB(value), unit: 'kB', baseline: kB(baseline), ratio: ratio(value, baseline) })
  sizes('adapters.twilio.installed-size', twilioInstalled.bytes, sdkBytes)
  sizes('adapters.twilio.installed-size-beyond-core', twilioBeyondCore.bytes, sdkBeyondCore)
  report({ name: 'adapters.twilio.packed-size', value: kB(twilioInstalled.packedBytes), unit: 'kB' })
  const cloudtalkInstalled = leadcallInstalled(CLOUDTALK, new Set())
  const cloudtalkBeyondCore = leadcallInstalled(CLOUDTALK, new Set(coreSeen))
  report({ name: 'adapters.cloudtalk.installed-size', value: kB(cloudtalkInstalled.bytes), unit: 'kB' })
  report({
    name: 'adapters.cloudtalk.installed-size-beyond-core',
    value: kB(cloudtalkBeyondCore.bytes),
    unit: 'kB',
  })
  report({ name: 'adapters.cloudtalk.packed-size', value: kB(cloudtalkInstalled.packedBytes), unit: 'kB' })
  report({ name: 'adapters.core.installed-size', value: kB(coreBytes), unit: 'kB' })
}

main()
