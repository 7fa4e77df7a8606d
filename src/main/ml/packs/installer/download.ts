// One file over HTTPS, against servers that break or lie.
//
// [Note: resumable downloads]
// Bytes go to `<dest>.part`; `<dest>.part.json` records which URL they came
// from and that answer's ETag / Last-Modified / total. A later attempt resumes
// with `Range: bytes=<part size>-` and accepts the answer only when it
// continues those exact bytes: a 206 whose Content-Range starts at the part's
// size and ends at the same declared total, with the same validators. Anything
// else (a 200, a range elsewhere, a changed ETag, another mirror, a sha256 that
// fails after a resume) restarts the file from zero: bytes are never spliced.
// The part is renamed to `dest` only once size and sha256 are right, so a
// `dest` that exists is always complete.
//
// Other rules: never write more than the declared size (the manifest's, else
// the server's, never above the manifest's max_size); a stall (no bytes for
// `stallTimeoutMs`, 60 s) or a reset retries with exponential backoff and
// resumes; disk full stops at once with the space needed; cancel keeps the part.
import crypto from 'node:crypto'
import fs from 'node:fs'
import type http from 'node:http'
import path from 'node:path'
import { DriveQuotaError, readDrivePage } from './google-drive.ts'
import { HttpSession, RefusedRequestError, type HttpPolicy } from './http-client.ts'

export interface DownloadPolicy extends HttpPolicy {
  /** No bytes for this long: drop the connection and retry (default 60 s; tests shorten it). */
  stallTimeoutMs?: number
  /** Retries of one URL after a transient failure (default 5). */
  retries?: number
  /** First backoff delay, doubled per retry up to 30 s (default 1 s). */
  backoffMs?: number
  /** Free bytes where the part file lives (default: statfs); null when unknown. */
  freeBytes?: (dir: string) => number | null
}

export interface DownloadProgress {
  received: number
  total: number | null
  /** Over the last few seconds; null until there is a measurement. */
  bytesPerSecond: number | null
  etaSeconds: number | null
}

export interface DownloadOptions {
  expectedSize: number | null
  /** The byte cap when expectedSize is null (the manifest's max_size). */
  maxBytes: number | null
  expectedSha256: string | null
  onProgress?: (progress: DownloadProgress) => void
  /** Called when an attempt is abandoned and why (restart, retry, next mirror). */
  onNotice?: (message: string) => void
  signal?: AbortSignal | undefined
  policy?: DownloadPolicy | undefined
}

export interface Downloaded {
  bytes: number
  sha256: string
  /** Bytes that were already on disk from an interrupted attempt. */
  resumedFrom: number
  /** The source that served the file (the first URL of the list that worked). */
  url: string
  /** Hugging Face's X-Repo-Commit for that source, when it said. */
  repoCommit: string | null
}

/** Stops every source: the disk is full or the user cancelled. */
export class FatalDownloadError extends Error {
  override name = 'FatalDownloadError'
}
export class DiskFullError extends FatalDownloadError {
  override name = 'DiskFullError'
}
export class DownloadCancelledError extends FatalDownloadError {
  override name = 'DownloadCancelledError'
}
/** This source will not work; try the next mirror. */
class PermanentError extends Error {}
/** Worth retrying the same source after a pause (reset, stall, 5xx). */
class TransientError extends Error {}
/** The bytes on disk cannot be continued: delete them and start from zero. */
class RestartError extends Error {}

export class AllSourcesFailedError extends Error {
  override name = 'AllSourcesFailedError'
  constructor(
    readonly failures: { url: string; reason: string }[],
    readonly quotaExceeded: boolean,
  ) {
    super(failures.map((f) => f.reason).join('; '))
  }
}

interface PartMeta {
  url: string
  etag: string | null
  lastModified: string | null
  total: number | null
}

const DEFAULT_STALL_MS = 60_000
const MAX_BACKOFF_MS = 30_000
const MAX_RESTARTS = 3
const MAX_HTML_BYTES = 2 << 20

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function readMeta(file: string): PartMeta | null {
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as PartMeta
    return typeof m.url === 'string' ? m : null
  } catch {
    return null
  }
}

function removePart(part: string): void {
  fs.rmSync(part, { force: true })
  fs.rmSync(`${part}.json`, { force: true })
}

function header(res: http.IncomingMessage, name: string): string | null {
  const v = res.headers[name]
  return typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? null) : null
}

/** `bytes START-END/TOTAL` (TOTAL may be `*`). */
export function parseContentRange(value: string | null): { start: number; end: number; total: number | null } | null {
  const m = value ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim()) : null
  if (!m) return null
  const start = Number(m[1])
  const end = Number(m[2])
  if (end < start) return null
  return { start, end, total: m[3] === '*' ? null : Number(m[3]) }
}

function defaultFreeBytes(dir: string): number | null {
  try {
    const s = fs.statfsSync(dir)
    return Number(s.bavail) * Number(s.bsize)
  } catch {
    return null
  }
}

const CERTIFICATE_ERRORS =
  /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|CERT_REVOKED|CERT_UNTRUSTED)$/

function isCertificateError(error: unknown): boolean {
  return CERTIFICATE_ERRORS.test(String((error as NodeJS.ErrnoException | null)?.code ?? ''))
}

function isDiskFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DownloadCancelledError('download cancelled'))
      return
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(t)
      reject(new DownloadCancelledError('download cancelled'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Rate over a sliding window of the last few seconds, and the time left at that rate. */
export class RateMeter {
  private samples: { t: number; bytes: number }[] = []
  constructor(private readonly windowMs = 5000) {}

  sample(bytes: number, total: number | null, now = Date.now()): DownloadProgress {
    this.samples.push({ t: now, bytes })
    while (this.samples.length > 2 && now - this.samples[1]!.t >= this.windowMs) this.samples.shift()
    const first = this.samples[0]!
    const dt = (now - first.t) / 1000
    const bytesPerSecond = dt > 0.2 ? (bytes - first.bytes) / dt : null
    const etaSeconds = bytesPerSecond && bytesPerSecond > 0 && total !== null ? Math.max(0, (total - bytes) / bytesPerSecond) : null
    return { received: bytes, total, bytesPerSecond, etaSeconds }
  }
}

interface Probe {
  size: number | null
  sha256: string | null
  repoCommit: string | null
}

/**
 * HEAD without following redirects: Hugging Face's `resolve/` answer names the
 * LFS file's size and sha256 (X-Linked-Size, X-Linked-Etag) and the commit.
 * Best effort: a server that refuses HEAD just tells us nothing.
 */
async function probe(session: HttpSession, url: string, signal: AbortSignal | undefined, stallMs: number): Promise<Probe> {
  try {
    const { res } = await withStall(stallMs, (onRequest) => session.request(url, { method: 'HEAD', followRedirects: false, signal, onRequest }))
    res.resume()
    const size = Number(header(res, 'x-linked-size'))
    const etag = header(res, 'x-linked-etag')?.replace(/^W\//, '').replace(/"/g, '') ?? null
    return {
      size: Number.isSafeInteger(size) && size > 0 ? size : null,
      sha256: etag && /^[0-9a-f]{64}$/.test(etag) ? etag : null,
      repoCommit: header(res, 'x-repo-commit'),
    }
  } catch (error) {
    if (error instanceof RefusedRequestError) throw new PermanentError(error.message)
    if (signal?.aborted) throw new DownloadCancelledError('download cancelled')
    return { size: null, sha256: null, repoCommit: null }
  }
}

/** Runs `start` with a stall timer on its request until it answers (headers). */
async function withStall<T>(stallMs: number, start: (onRequest: (req: http.ClientRequest) => void) => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await start((req) => {
      clearTimeout(timer)
      timer = setTimeout(() => req.destroy(new TransientError(`no answer for ${Math.round(stallMs / 1000)} s`)), stallMs)
    })
  } finally {
    clearTimeout(timer)
  }
}

async function readHtml(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const chunk of res) {
    n += (chunk as Buffer).length
    if (n > MAX_HTML_BYTES) {
      res.destroy()
      break
    }
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

interface Attempt {
  session: HttpSession
  url: string
  dest: string
  options: DownloadOptions
  stallMs: number
  probe: Probe
}

async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256')
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function finish(a: Attempt, part: string, resumedFrom: number, size: number | null): Promise<Downloaded> {
  const bytes = fs.statSync(part).size
  if (size !== null && bytes !== size) {
    removePart(part)
    throw new PermanentError(`${a.url}: downloaded ${bytes} bytes, expected ${size}`)
  }
  const sha256 = await hashFile(part)
  const want = a.options.expectedSha256 ?? a.probe.sha256
  if (want !== null && sha256 !== want) {
    if (resumedFrom > 0)
      throw new RestartError(`${a.url}: sha256 ${sha256} after resuming at byte ${resumedFrom} differs from ${want}; starting again from zero`)
    removePart(part)
    throw new PermanentError(
      `${a.url}: sha256 mismatch (got ${sha256}, expected ${want}${a.options.expectedSha256 ? '' : ', as the server states'}); the file was deleted`,
    )
  }
  const fd = fs.openSync(part, 'r')
  fs.fsyncSync(fd)
  fs.closeSync(fd)
  fs.renameSync(part, a.dest)
  fs.rmSync(`${part}.json`, { force: true })
  return { bytes, sha256, resumedFrom, url: a.url, repoCommit: a.probe.repoCommit }
}

async function attemptOnce(a: Attempt): Promise<Downloaded> {
  const { session, url, dest, options, stallMs } = a
  const part = `${dest}.part`
  const metaFile = `${part}.json`
  const declared = options.expectedSize ?? a.probe.size
  let have = fs.existsSync(part) ? fs.statSync(part).size : 0
  const meta = readMeta(metaFile)
  if (have > 0 && (!meta || meta.url !== url || (declared !== null && have > declared))) {
    // Bytes from another source, or of unknown origin: never continue them.
    removePart(part)
    have = 0
  }
  // Complete already (a crash between the last byte and the rename): only the checks are left.
  const knownTotal = declared ?? meta?.total ?? null
  if (have > 0 && knownTotal !== null && have === knownTotal) return finish(a, part, have, knownTotal)

  const headers: Record<string, string> = { 'accept-encoding': 'identity' }
  if (have > 0) {
    headers.range = `bytes=${have}-`
    const validator = meta?.etag && !meta.etag.startsWith('W/') ? meta.etag : meta?.lastModified
    if (validator) headers['if-range'] = validator
  }
  let answer = await withStall(stallMs, (onRequest) => session.request(url, { headers, signal: options.signal, onRequest }))
  for (let confirmations = 0; ; confirmations++) {
    const type = header(answer.res, 'content-type') ?? ''
    if (answer.res.statusCode !== 200 || !/text\/html/i.test(type)) break
    // A web page where a file was expected: Google Drive's confirmation or quota page, or an error page.
    const page = readDrivePage(await readHtml(answer.res), answer.url)
    if (page.kind === 'quota') throw new DriveQuotaError(url)
    if (page.kind === 'other' || confirmations >= 2)
      throw new PermanentError(`${url}: the server sent a web page${page.kind === 'other' && page.title ? ` ("${page.title}")` : ''} instead of the file`)
    answer = await withStall(stallMs, (onRequest) =>
      session.request(page.url, { headers: { 'accept-encoding': 'identity' }, signal: options.signal, onRequest }),
    )
  }
  const { res, req } = answer
  const status = res.statusCode ?? 0
  if (status === 416 && have > 0) {
    res.resume()
    throw new RestartError(`${url}: the server refused to resume at byte ${have}; starting again from zero`)
  }
  if (status === 429 || status >= 500) {
    res.resume()
    throw new TransientError(`${url}: HTTP ${status}`)
  }
  if (status !== 200 && status !== 206) {
    res.resume()
    throw new PermanentError(`${url}: HTTP ${status}`)
  }
  const etag = header(res, 'etag')
  const lastModified = header(res, 'last-modified')
  let total: number | null
  if (status === 206) {
    const rawRange = header(res, 'content-range')
    const range = parseContentRange(rawRange)
    const wantTotal = declared ?? meta?.total ?? null
    const continues =
      have > 0 &&
      range !== null &&
      range.start === have &&
      range.total !== null &&
      range.end === range.total - 1 &&
      (wantTotal === null || range.total === wantTotal)
    if (!continues) {
      res.destroy()
      throw new RestartError(
        `${url}: answer "Content-Range: ${rawRange ?? '(none)'}" does not continue the ${have} bytes on disk${wantTotal !== null ? ` of ${wantTotal}` : ''}; starting again from zero`,
      )
    }
    if (meta?.etag && etag && etag !== meta.etag) {
      res.destroy()
      throw new RestartError(`${url}: the file changed on the server (ETag ${meta.etag} → ${etag}); starting again from zero`)
    }
    if (meta?.lastModified && lastModified && lastModified !== meta.lastModified) {
      res.destroy()
      throw new RestartError(`${url}: the file changed on the server (Last-Modified ${meta.lastModified} → ${lastModified}); starting again from zero`)
    }
    total = range!.total
  } else {
    if (have > 0) options.onNotice?.(`${url}: the server sent the whole file instead of the rest; starting again from zero`)
    have = 0
    const length = Number(header(res, 'content-length') ?? NaN)
    total = Number.isSafeInteger(length) && length >= 0 ? length : null
  }
  if (options.expectedSize !== null && total !== null && total !== options.expectedSize) {
    res.destroy()
    throw new PermanentError(`${url}: server offers ${total} bytes, the manifest says ${options.expectedSize}`)
  }
  // Never write more than declared: the manifest's size, else the server's, within max_size.
  const ceiling = options.expectedSize ?? options.maxBytes
  if (ceiling !== null && total !== null && total > ceiling) {
    res.destroy()
    removePart(part)
    throw new PermanentError(`${url}: server offers ${total} bytes, more than this file's cap of ${ceiling} bytes (refused)`)
  }
  const cap = options.expectedSize ?? total ?? a.probe.size ?? options.maxBytes
  const expected = total ?? cap
  const free = (options.policy?.freeBytes ?? defaultFreeBytes)(path.dirname(part))
  if (expected !== null && free !== null && free < expected - have) {
    res.destroy()
    throw new DiskFullError(
      `not enough disk space for ${path.basename(dest)} in ${path.dirname(part)}: ${expected - have} bytes needed, ${free} free (free some space and run the install again; nothing was installed)`,
    )
  }
  fs.writeFileSync(metaFile, JSON.stringify({ url, etag, lastModified, total } satisfies PartMeta))

  const out = fs.createWriteStream(part, { flags: have > 0 ? 'a' : 'w' })
  const meter = new RateMeter()
  let received = have
  let stall: NodeJS.Timeout | undefined
  const armStall = (): void => {
    clearTimeout(stall)
    stall = setTimeout(() => req.destroy(new TransientError(`${url}: no data for ${Math.round(stallMs / 1000)} s after ${received} bytes`)), stallMs)
  }
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false
      const fail = (e: unknown): void => {
        if (settled) return
        settled = true
        res.destroy()
        reject(e instanceof Error ? e : new Error(String(e)))
      }
      armStall()
      // Written by hand, not piped: a chunk over the cap must never reach the disk.
      res.on('data', (chunk: Buffer) => {
        if (settled) return
        if (cap !== null && received + chunk.length > cap) {
          fail(new ByteCapError(`${url}: the server sent more than the ${cap} bytes declared for this file; stopped and deleted the partial file`))
          return
        }
        received += chunk.length
        armStall()
        if (!out.write(chunk)) {
          res.pause()
          out.once('drain', () => res.resume())
        }
        options.onProgress?.(meter.sample(received, expected))
      })
      res.on('error', fail)
      req.on('error', fail)
      res.on('aborted', () => fail(new TransientError(`${url}: connection closed after ${received} bytes`)))
      out.on('error', (e) =>
        fail(
          isDiskFull(e)
            ? new DiskFullError(
                `disk full while writing ${part} (${received} of ${expected ?? '?'} bytes); free some space and run the install again to resume; nothing was installed`,
              )
            : e,
        ),
      )
      res.on('end', () => {
        if (settled) return
        if (!res.complete) {
          fail(new TransientError(`${url}: connection closed after ${received} bytes`))
          return
        }
        out.end(() => {
          if (settled) return
          settled = true
          resolve()
        })
      })
    })
  } catch (error) {
    if (error instanceof ByteCapError) {
      await closeStream(out)
      removePart(part)
      throw new PermanentError(error.message)
    }
    await closeStream(out)
    if (options.signal?.aborted) throw new DownloadCancelledError(`download cancelled; ${received} bytes of ${path.basename(dest)} kept for resume`)
    if (error instanceof FatalDownloadError || error instanceof PermanentError || error instanceof TransientError) throw error
    if (isDiskFull(error)) throw new DiskFullError(`disk full while writing ${part}: ${message(error)}; nothing was installed`)
    throw new TransientError(`${url}: ${message(error)} after ${received} bytes`)
  } finally {
    clearTimeout(stall)
  }
  if (total !== null && received !== total) throw new TransientError(`${url}: got ${received} of ${total} bytes`)
  return finish(a, part, status === 206 ? have : 0, options.expectedSize ?? total ?? a.probe.size)
}

class ByteCapError extends Error {}

function closeStream(out: fs.WriteStream): Promise<void> {
  // Flush what arrived, so a later attempt resumes from the true size.
  return new Promise((resolve) => {
    if (out.closed || out.destroyed) resolve()
    else out.end(() => resolve())
    out.once('error', () => resolve())
  })
}

async function downloadFromUrl(url: string, dest: string, options: DownloadOptions): Promise<Downloaded> {
  const policy = options.policy ?? {}
  const stallMs = policy.stallTimeoutMs ?? DEFAULT_STALL_MS
  const session = new HttpSession(policy)
  const found = await probe(session, url, options.signal, stallMs)
  if (options.expectedSize !== null && found.size !== null && found.size !== options.expectedSize)
    throw new PermanentError(`${url}: the server declares ${found.size} bytes, the manifest says ${options.expectedSize}`)
  if (options.expectedSha256 !== null && found.sha256 !== null && found.sha256 !== options.expectedSha256)
    throw new PermanentError(`${url}: the server declares sha256 ${found.sha256}, the manifest says ${options.expectedSha256}`)
  if (options.expectedSize === null && options.maxBytes !== null && found.size !== null && found.size > options.maxBytes)
    throw new PermanentError(`${url}: the server declares ${found.size} bytes, more than this file's cap of ${options.maxBytes} bytes (refused)`)
  let retries = policy.retries ?? 5
  let delay = policy.backoffMs ?? 1000
  let restarts = MAX_RESTARTS
  for (;;) {
    if (options.signal?.aborted) throw new DownloadCancelledError('download cancelled')
    try {
      return await attemptOnce({ session, url, dest, options, stallMs, probe: found })
    } catch (error) {
      if (options.signal?.aborted && !(error instanceof FatalDownloadError))
        throw new DownloadCancelledError(`download cancelled; the partial file is kept for resume`)
      if (isCertificateError(error))
        throw new PermanentError(`${url}: the server's certificate is not trusted (${(error as NodeJS.ErrnoException).code}: ${message(error)})`)
      if (error instanceof RestartError) {
        removePart(`${dest}.part`)
        options.onNotice?.(error.message)
        if (--restarts < 0) throw new PermanentError(`${url}: gave up after ${MAX_RESTARTS} restarts (${error.message})`)
        continue
      }
      if (
        error instanceof TransientError ||
        !(error instanceof PermanentError || error instanceof FatalDownloadError || error instanceof DriveQuotaError || error instanceof RefusedRequestError)
      ) {
        if (retries-- <= 0) throw new PermanentError(`${message(error)} (gave up after ${policy.retries ?? 5} retries)`)
        options.onNotice?.(`${message(error)}; retrying in ${(delay / 1000).toFixed(1)} s`)
        await sleep(delay, options.signal)
        delay = Math.min(delay * 2, MAX_BACKOFF_MS)
        continue
      }
      throw error
    }
  }
}

/**
 * Downloads `dest` from the first of `urls` that works (mirrors in order).
 * Throws FatalDownloadError (disk full, cancelled) at once, else
 * AllSourcesFailedError with each source's reason.
 */
export async function downloadFile(urls: string | readonly string[], dest: string, options: DownloadOptions): Promise<Downloaded> {
  const list = typeof urls === 'string' ? [urls] : urls
  const failures: { url: string; reason: string }[] = []
  let quotaExceeded = false
  for (const url of list) {
    try {
      return await downloadFromUrl(url, dest, options)
    } catch (error) {
      if (error instanceof FatalDownloadError) throw error
      if (options.signal?.aborted) throw new DownloadCancelledError('download cancelled; the partial file is kept for resume')
      if (error instanceof DriveQuotaError) quotaExceeded = true
      failures.push({ url, reason: message(error) })
      if (list.length > 1) options.onNotice?.(`${message(error)}; trying the next source`)
    }
  }
  throw new AllSourcesFailedError(failures, quotaExceeded)
}
