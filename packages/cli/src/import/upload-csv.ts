import { type FileHandle, open } from 'node:fs/promises'
import { type ImportSummary, LeadCallError } from '@leadcall/core'
import {
  endpoint,
  errorOfResponse,
  fetchServer,
  jsonOf,
  type ServerOptions,
  serverHeaders,
} from '../http/server-client.js'

/** Bytes read from the file per chunk sent. */
const CHUNK_BYTES = 64 * 1024

/** Options of {@link uploadCsv}. */
export interface UploadCsvOptions extends ServerOptions {
  /** Path of the CSV file. */
  file: string
  /** Called once the file's size is known, before the first byte is sent. */
  onStart?: (totalBytes: number) => void
  /** Called after each chunk handed to the connection. */
  onProgress?: (sentBytes: number, totalBytes: number) => void
}

function isImportSummary(value: unknown): value is ImportSummary {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return (
    typeof v.rows === 'number' &&
    typeof v.accepted === 'number' &&
    typeof v.queued === 'number' &&
    typeof v.rejectedCount === 'number' &&
    typeof v.duplicates === 'number' &&
    Array.isArray(v.rejected)
  )
}

async function openFile(file: string): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle
  try {
    handle = await open(file, 'r')
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new LeadCallError('VALIDATION_FAILED', {
      message: `Cannot read ${file}${typeof code === 'string' ? ` (${code})` : ''}`,
      cause: error,
      details: { file },
    })
  }
  const stats = await handle.stat()
  if (!stats.isFile()) {
    await handle.close()
    throw new LeadCallError('VALIDATION_FAILED', { message: `${file} is not a file`, details: { file } })
  }
  return { handle, size: stats.size }
}

/**
 * Streams a CSV file to `POST <url>/leads/import` (`content-type: text/csv`, with its
 * `content-length`), never holding it whole, and resolves with the server's import summary
 * (accepted, queued, rejected rows with their line and reason, duplicates).
 *
 * @throws {LeadCallError} `VALIDATION_FAILED` when the file cannot be read; the server's error when
 * it refuses the import (e.g. 401 `INVALID_SIGNATURE`, 413, 415); `PROVIDER_TIMEOUT` when the
 * server cannot be reached.
 */
export async function uploadCsv(options: UploadCsvOptions): Promise<ImportSummary> {
  const { handle, size } = await openFile(options.file)
  const url = endpoint(options.url, '/leads/import')
  let sent = 0
  try {
    options.onStart?.(size)
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const buffer = new Uint8Array(CHUNK_BYTES)
          const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, null)
          if (bytesRead === 0) {
            controller.close()
            return
          }
          sent += bytesRead
          controller.enqueue(buffer.subarray(0, bytesRead))
          options.onProgress?.(sent, size)
        },
      },
      { highWaterMark: 0 },
    )
    const response = await fetchServer(url, {
      method: 'POST',
      headers: serverHeaders(options, { 'content-type': 'text/csv', 'content-length': String(size) }),
      body,
      duplex: 'half',
      ...(options.signal ? { signal: options.signal } : {}),
    })
    if (!response.ok) throw await errorOfResponse(response, url)
    const summary = await jsonOf(response, url)
    if (!isImportSummary(summary)) {
      throw new LeadCallError('VALIDATION_FAILED', {
        message: `The answer of ${url} is not an import summary`,
        status: 502,
      })
    }
    return summary
  } finally {
    await handle.close()
  }
}
