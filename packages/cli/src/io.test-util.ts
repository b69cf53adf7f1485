import { Writable } from 'node:stream'
import type { CliIo, CliStream } from './io.js'

/** A {@link CliIo} writing to memory, with what was written so far. */
export interface CapturedIo {
  /** Pass it to `runCli` or a command. */
  io: CliIo
  /** Everything written to stdout. */
  stdout(): string
  /** Everything written to stderr. */
  stderr(): string
}

function memoryStream(chunks: string[], isTTY: boolean): CliStream {
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'))
      callback()
    },
  }) as CliStream
  stream.isTTY = isTTY
  stream.columns = 120
  return stream
}

/** A {@link CapturedIo}; `tty` makes both streams claim to be terminals. */
export function captureIo(options: { tty?: boolean; env?: Record<string, string> } = {}): CapturedIo {
  const out: string[] = []
  const err: string[] = []
  return {
    io: {
      stdout: memoryStream(out, options.tty ?? false),
      stderr: memoryStream(err, options.tty ?? false),
      env: options.env ?? {},
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  }
}
