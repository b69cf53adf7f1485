/**
 * A child process for the kill test of the JSONL sink: appends large batches to one day's file in
 * a loop until it is killed, printing `flush` just before each append so the parent can kill it
 * in the middle of one. `node --conditions=dev-source --import tsx <this file> <dir>`.
 */
import { silentLogger } from '../logging/logger.js'
import { createJsonlSink } from './jsonl-sink.js'

const dir = process.argv[2]
if (!dir) throw new Error('usage: jsonl-sink-child <dir>')
const sink = createJsonlSink({ dir, flushMs: 3_600_000, logger: silentLogger, maxPending: 1_000_000 })
// About 4 MB per batch (multi-byte characters included): Node's appendFile writes it in chunks of
// 512 KB, and the whole append takes milliseconds, so the kill lands inside it.
const pad = 'é-x'.repeat(700)
let i = 0
for (;;) {
  for (let k = 0; k < 1_500; k++) sink.write({ processId: `p-${i++}`, pad } as never, '2026-11-23')
  process.stdout.write('flush\n')
  await sink.flush()
  await new Promise((resolve) => setTimeout(resolve, 20))
}
