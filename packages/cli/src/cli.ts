#!/usr/bin/env node
import { runCli } from './run-cli.js'

// The `leadcall` bin: the process exits on its own once the command is done, with its exit code.
runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
