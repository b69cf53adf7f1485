import { runCli } from '@leadcall/cli'

// `pnpm demo` is `leadcall demo`: arguments after it are passed on (e.g. `pnpm demo --leads 30`).
process.exitCode = await runCli(['demo', ...process.argv.slice(2)])
