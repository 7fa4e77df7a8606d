// Local servers (127.0.0.1 only) that behave like the hosts real packs come
// from, for the installer's tests:
// - Hugging Face: `/<org>/<repo>/resolve/<commit>/<file>` answers HEAD and GET
//   with a 302 to a CDN path, carrying X-Linked-Size, X-Linked-Etag (the LFS
//   sha256) and X-Repo-Commit; the CDN serves byte ranges with ETag and
//   Last-Modified.
// - Google Drive: `/uc?export=download&id=ID` redirects to `/download`, which
//   answers with the large-file confirmation page (a `download-form` with hidden
//   id/export/confirm/uuid fields, and a cookie); submitting the form with the
//   cookie serves the file. An id marked over quota gets Drive's quota page.
// The server speaks HTTPS with our own self-signed certificate
// (test/fixtures/tls, for 127.0.0.1): tests trust it explicitly through the
// download policy's extraCa, exactly as a user would trust a company proxy.
// A plain-HTTP twin exists only to prove that redirects to http are refused.
// `intercept` lets one test answer one request its own (hostile) way.
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import path from 'node:path'

const tlsDir = path.resolve(import.meta.dirname, '../../../../../test/fixtures/tls')
export const TEST_CA = fs.readFileSync(path.join(tlsDir, 'localhost-cert.pem'), 'utf8')
export const TEST_CA_FILE = path.join(tlsDir, 'localhost-cert.pem')
const TEST_KEY = fs.readFileSync(path.join(tlsDir, 'localhost-key.pem'), 'utf8')

export function sha256Hex(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex')
}

export interface Served {
  bytes: Buffer
  etag: string
  lastModified: string
}

export interface RequestLog {
  method: string
  path: string
  range: string | undefined
  ifRange: string | undefined
  cookie: string | undefined
}

/** Return true when the request was answered. */
export type Interceptor = (req: http.IncomingMessage, res: http.ServerResponse, hosts: FakeHosts) => boolean

/** Answer a GET for `file`, honouring `Range: bytes=N-` (and If-Range), like a CDN. */
export function serveBytes(req: http.IncomingMessage, res: http.ServerResponse, file: Served, extra: Record<string, string> = {}): void {
  const headers = { etag: file.etag, 'last-modified': file.lastModified, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream', ...extra }
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '')
  const ifRange = req.headers['if-range']
  const rangeOk = range && (!ifRange || ifRange === file.etag || ifRange === file.lastModified)
  if (range && rangeOk) {
    const start = Number(range[1])
    if (start >= file.bytes.length) {
      res.writeHead(416, { 'content-range': `bytes */${file.bytes.length}` }).end()
      return
    }
    res.writeHead(206, {
      ...headers,
      'content-length': String(file.bytes.length - start),
      'content-range': `bytes ${start}-${file.bytes.length - 1}/${file.bytes.length}`,
    })
    if (req.method === 'HEAD') res.end()
    else res.end(file.bytes.subarray(start))
    return
  }
  res.writeHead(200, { ...headers, 'content-length': String(file.bytes.length) })
  if (req.method === 'HEAD') res.end()
  else res.end(file.bytes)
}

export class FakeHosts {
  /** Hugging Face files: "<org>/<repo>/<commit>/<file path>" → bytes. */
  readonly hf = new Map<string, Served>()
  /** Google Drive files by id. */
  readonly drive = new Map<string, Served>()
  /** Drive ids that answer with the quota page. */
  readonly driveOverQuota = new Set<string>()
  readonly log: RequestLog[] = []
  private interceptors: Interceptor[] = []
  private uuids = new Map<string, string>()
  private server!: https.Server
  private plain!: http.Server
  base = ''
  plainBase = ''

  static async start(): Promise<FakeHosts> {
    const h = new FakeHosts()
    h.server = https.createServer({ key: TEST_KEY, cert: TEST_CA }, (req, res) => h.handle(req, res))
    h.plain = http.createServer((req, res) => h.handle(req, res))
    await new Promise<void>((r) => h.server.listen(0, '127.0.0.1', r))
    await new Promise<void>((r) => h.plain.listen(0, '127.0.0.1', r))
    h.base = `https://127.0.0.1:${(h.server.address() as AddressInfo).port}`
    h.plainBase = `http://127.0.0.1:${(h.plain.address() as AddressInfo).port}`
    return h
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    this.plain.closeAllConnections()
    await Promise.all([new Promise((r) => this.server.close(r)), new Promise((r) => this.plain.close(r))])
  }

  static served(bytes: Buffer, etag = `"${sha256Hex(bytes)}"`): Served {
    return { bytes, etag, lastModified: 'Tue, 01 Dec 2026 10:00:00 GMT' }
  }

  /** Put a file on "Hugging Face"; returns its pinned resolve URL. */
  addHf(repo: string, commit: string, file: string, bytes: Buffer): string {
    this.hf.set(`${repo}/${commit}/${file}`, FakeHosts.served(bytes))
    return `${this.base}/${repo}/resolve/${commit}/${file}`
  }

  /** Put a file on "Google Drive"; returns its uc?export=download URL. */
  addDrive(id: string, bytes: Buffer): string {
    this.drive.set(id, FakeHosts.served(bytes))
    return `${this.base}/uc?export=download&id=${id}`
  }

  /** Answer matching requests with `fn` until it returns true `times` times. */
  intercept(fn: Interceptor, times = 1): void {
    let left = times
    const wrapped: Interceptor = (req, res, h) => {
      if (left <= 0) return false
      const answered = fn(req, res, h)
      if (answered && --left <= 0) this.interceptors = this.interceptors.filter((i) => i !== wrapped)
      return answered
    }
    this.interceptors.push(wrapped)
  }

  clearIntercepts(): void {
    this.interceptors = []
  }

  requests(pathPrefix: string): RequestLog[] {
    return this.log.filter((l) => l.path.startsWith(pathPrefix))
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'https://x')
    this.log.push({
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      range: req.headers.range,
      ifRange: req.headers['if-range'] as string | undefined,
      cookie: req.headers.cookie,
    })
    for (const i of this.interceptors) if (i(req, res, this)) return
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname)
    if (resolve) {
      const [, repo, rev, file] = resolve
      const hit = this.hf.get(`${repo}/${rev}/${decodeURIComponent(file!)}`)
      if (!hit) {
        res.writeHead(404, { 'content-type': 'text/plain', 'x-error-code': 'EntryNotFound' }).end('Entry not found')
        return
      }
      const sha = sha256Hex(hit.bytes)
      res
        .writeHead(302, {
          location: `/cdn/${sha}`,
          'x-linked-size': String(hit.bytes.length),
          'x-linked-etag': `"${sha}"`,
          'x-repo-commit': rev!.length === 40 ? rev! : 'f'.repeat(40),
          etag: `"${sha}"`,
        })
        .end()
      return
    }
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname)
    if (cdn) {
      const hit = [...this.hf.values()].find((f) => sha256Hex(f.bytes) === cdn[1])
      if (!hit) res.writeHead(404).end()
      else serveBytes(req, res, hit)
      return
    }
    if (url.pathname === '/uc') {
      res.writeHead(303, { location: `${this.base}/download?id=${url.searchParams.get('id') ?? ''}&export=download` }).end()
      return
    }
    if (url.pathname === '/download') {
      const id = url.searchParams.get('id') ?? ''
      const file = this.drive.get(id)
      if (!file) {
        res.writeHead(404, { 'content-type': 'text/html' }).end('<html><title>Not Found</title></html>')
        return
      }
      if (this.driveOverQuota.has(id)) {
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(
            `<!DOCTYPE html><html><head><title>Google Drive - Quota exceeded</title></head><body><div class="uc-main"><p class="uc-error-caption">Sorry, you can&#39;t view or download this file at this time.</p><p class="uc-error-subcaption">Too many users have viewed or downloaded this file recently. Please try accessing the file again later. If the file you are trying to access is particularly large or is shared with many people, it may take up to 24 hours to be able to view or download the file.</p></div></body></html>`,
          )
        return
      }
      const uuid = this.uuids.get(id)
      const cookieOk = (req.headers.cookie ?? '').split(/;\s*/).includes(`download_warning_${id}=${uuid}`)
      if (uuid && url.searchParams.get('confirm') === 't' && url.searchParams.get('uuid') === uuid && cookieOk) {
        serveBytes(req, res, file, { 'content-disposition': `attachment; filename="${id}.pt"` })
        return
      }
      const fresh = crypto.randomUUID()
      this.uuids.set(id, fresh)
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'set-cookie': `download_warning_${id}=${fresh}; Path=/; Secure; HttpOnly` })
        .end(
          `<!DOCTYPE html><html><head><title>Google Drive - Virus scan warning</title></head><body><div class="uc-main"><p class="uc-warning-caption">Google Drive can&#39;t scan this file for viruses.</p><p class="uc-warning-subcaption"><span class="uc-name-size"><a href="/open?id=${id}">${id}.pt</a> (600M)</span> is too large for Google to scan for viruses. Would you still like to download this file?</p><form id="download-form" action="${this.base}/download" method="get"><input type="submit" id="uc-download-link" class="goog-inline-block jfk-button jfk-button-action" value="Download anyway"/><input type="hidden" name="id" value="${id}"><input type="hidden" name="export" value="download"><input type="hidden" name="confirm" value="t"><input type="hidden" name="uuid" value="${fresh}"></form></div></body></html>`,
        )
      return
    }
    res.writeHead(404).end()
  }
}
