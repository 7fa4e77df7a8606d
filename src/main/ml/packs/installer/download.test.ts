// The downloader against local servers that behave like Hugging Face and
// Google Drive, and against hostile or broken ones. Each hostile case below
// fails without the rule it tests (noted per test).
import crypto from 'node:crypto'
import fs from 'node:fs'
import type http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  AllSourcesFailedError,
  DiskFullError,
  DownloadCancelledError,
  downloadFile,
  parseContentRange,
  RateMeter,
  type DownloadOptions,
  type DownloadProgress,
} from './download.ts'
import { readDrivePage } from './google-drive.ts'
import { FakeHosts, serveBytes, sha256Hex, TEST_CA } from './test-support.ts'

let hosts: FakeHosts
let work: string
let n = 0
const COMMIT = 'a'.repeat(40)
const policy = { extraCa: TEST_CA, backoffMs: 5, stallTimeoutMs: 400 }

function bytes(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size)
  let x = seed
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    b[i] = x >>> 24
  }
  return b
}

function dest(): string {
  const dir = path.join(work, `d${n++}`)
  fs.mkdirSync(dir, { recursive: true })
  return path.join(dir, 'file.bin')
}

function opts(content: Buffer | null, extra: Partial<DownloadOptions> = {}): DownloadOptions {
  return { expectedSize: content?.length ?? null, maxBytes: null, expectedSha256: content ? sha256Hex(content) : null, policy, ...extra }
}

/** A CDN request for `sha` (the path the resolve redirect points at). */
function isCdn(req: http.IncomingMessage, content: Buffer): boolean {
  return req.method === 'GET' && req.url === `/cdn/${sha256Hex(content)}`
}

/** Write the first `cut` bytes of a correct answer (honouring Range), then reset the connection. */
function cutAfter(req: http.IncomingMessage, res: http.ServerResponse, content: Buffer, cut: number, etag = `"${sha256Hex(content)}"`): void {
  const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0)
  const headers = { etag, 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT', 'content-length': String(content.length - start) }
  if (start > 0) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${content.length - 1}/${content.length}` })
  else res.writeHead(200, headers)
  res.write(content.subarray(start, start + cut), () => setTimeout(() => res.socket?.destroy(), 20))
}

beforeAll(async () => {
  hosts = await FakeHosts.start()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-download-'))
})
afterAll(async () => {
  await hosts.stop()
  fs.rmSync(work, { recursive: true, force: true })
})
beforeEach(() => hosts.clearIntercepts())

describe('Hugging Face-like host', () => {
  it('follows resolve/<commit> to the CDN, reads X-Linked-Size/X-Linked-Etag/X-Repo-Commit on HEAD, verifies the bytes', async () => {
    const content = bytes(300_000)
    const url = hosts.addHf('org/model', COMMIT, 'model.safetensors', content)
    const file = dest()
    const r = await downloadFile(url, file, opts(content))
    expect(fs.readFileSync(file).equals(content)).toBe(true)
    expect(r).toMatchObject({ bytes: content.length, sha256: sha256Hex(content), resumedFrom: 0, url, repoCommit: COMMIT })
    const log = hosts.log.filter((l) => l.path.includes('model.safetensors') || l.path === `/cdn/${sha256Hex(content)}`)
    expect(log.map((l) => `${l.method} ${l.path.startsWith('/cdn/') ? 'cdn' : 'resolve'}`)).toEqual(['HEAD resolve', 'GET resolve', 'GET cdn'])
    expect(fs.existsSync(`${file}.part`) || fs.existsSync(`${file}.part.json`)).toBe(false)
  })

  it('refuses before downloading when X-Linked-Size or X-Linked-Etag contradict the manifest', async () => {
    const content = bytes(5000, 2)
    const url = hosts.addHf('org/model', COMMIT, 'size.bin', content)
    await expect(downloadFile(url, dest(), opts(content, { expectedSize: 4999 }))).rejects.toThrow(/the server declares 5000 bytes, the manifest says 4999/)
    await expect(downloadFile(url, dest(), opts(content, { expectedSha256: '0'.repeat(64) }))).rejects.toThrow(
      /the server declares sha256 [0-9a-f]{64}, the manifest says 0{64}/,
    )
    expect(hosts.log.filter((l) => l.method === 'GET' && l.path === `/cdn/${sha256Hex(content)}`)).toHaveLength(0)
  })

  it('a file that is not at that commit is a clear 404, and the next mirror is tried', async () => {
    const content = bytes(2000, 3)
    const good = hosts.addHf('org/mirror', COMMIT, 'x.bin', content)
    const missing = `${hosts.base}/org/model/resolve/${COMMIT}/not-here.bin`
    const notices: string[] = []
    const r = await downloadFile([missing, good], dest(), opts(content, { onNotice: (m) => notices.push(m) }))
    expect(r.url).toBe(good)
    expect(notices.join('\n')).toMatch(/not-here\.bin: HTTP 404; trying the next source/)
    const all = downloadFile([missing], dest(), opts(content))
    await expect(all).rejects.toBeInstanceOf(AllSourcesFailedError)
    await expect(all).rejects.toThrow(/HTTP 404/)
  })
})

describe('resuming (206) is checked, never spliced', () => {
  it('resumes with Range + If-Range when the server continues the same bytes', async () => {
    const content = bytes(200_000, 4)
    const url = hosts.addHf('org/r', COMMIT, 'resume.bin', content)
    hosts.intercept((req, res) => isCdn(req, content) && (cutAfter(req, res, content, 70_000), true))
    const file = dest()
    const r = await downloadFile(url, file, opts(content))
    expect(fs.readFileSync(file).equals(content)).toBe(true)
    expect(r.resumedFrom).toBeGreaterThan(0)
    const resumed = hosts.log.filter((l) => l.path === `/cdn/${sha256Hex(content)}` && l.range)
    expect(resumed[0]!.range).toBe(`bytes=${r.resumedFrom}-`)
    expect(resumed[0]!.ifRange).toBe(`"${sha256Hex(content)}"`)
  })

  // Without the Content-Range start check, these bytes from 0 are appended at the resume point.
  it('a 206 whose Content-Range does not start at the bytes on disk restarts from zero', async () => {
    const content = bytes(100_000, 5)
    const url = hosts.addHf('org/r', COMMIT, 'wrong-start.bin', content)
    hosts.intercept((req, res) => isCdn(req, content) && (cutAfter(req, res, content, 40_000), true))
    hosts.intercept((req, res) => {
      if (!isCdn(req, content) || !req.headers.range) return false
      // Claims to continue but sends the file from its first byte.
      res
        .writeHead(206, {
          etag: `"${sha256Hex(content)}"`,
          'content-length': String(content.length),
          'content-range': `bytes 0-${content.length - 1}/${content.length}`,
        })
        .end(content)
      return true
    })
    const notices: string[] = []
    const file = dest()
    const r = await downloadFile(url, file, opts(content, { onNotice: (m) => notices.push(m) }))
    expect(fs.readFileSync(file).equals(content)).toBe(true)
    expect(r.resumedFrom).toBe(0)
    expect(notices.join('\n')).toMatch(/Content-Range: bytes 0-99999\/100000" does not continue the \d+ bytes on disk of 100000; starting again from zero/)
  })

  // Without the total check, a range that stops short (or claims another total) would be accepted.
  it('a 206 that ends before the declared total restarts from zero', async () => {
    const content = bytes(100_000, 6)
    const url = hosts.addHf('org/r', COMMIT, 'wrong-end.bin', content)
    hosts.intercept((req, res) => isCdn(req, content) && (cutAfter(req, res, content, 30_000), true))
    hosts.intercept((req, res) => {
      if (!isCdn(req, content) || !req.headers.range) return false
      const start = Number(/bytes=(\d+)-/.exec(req.headers.range)![1])
      res
        .writeHead(206, { 'content-length': String(10), 'content-range': `bytes ${start}-${start + 9}/${content.length + 50}` })
        .end(content.subarray(start, start + 10))
      return true
    })
    const notices: string[] = []
    const file = dest()
    await downloadFile(url, file, opts(content, { onNotice: (m) => notices.push(m) }))
    expect(fs.readFileSync(file).equals(content)).toBe(true)
    expect(notices.join('\n')).toMatch(/does not continue .*starting again from zero/)
  })

  // Without the ETag comparison the new version's tail is appended to the old version's head.
  it('a file whose ETag changed between attempts restarts from zero (trust-on-first-use file: no hash to catch it)', async () => {
    const v1 = bytes(120_000, 7)
    const v2 = bytes(120_000, 8)
    const id = 'etag'
    let version: Buffer = v1
    let etag = '"v1"'
    hosts.intercept((req, res) => {
      if (req.url !== `/changing/${id}` || req.method !== 'GET') return false
      if (version === v1) {
        cutAfter(req, res, v1, 50_000, etag)
        // The publisher replaces the file while we are away.
        version = v2
        etag = '"v2"'
      } else {
        // A hostile server that ignores If-Range and serves the new file's range.
        const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0)
        if (start > 0)
          res
            .writeHead(206, { etag, 'content-length': String(v2.length - start), 'content-range': `bytes ${start}-${v2.length - 1}/${v2.length}` })
            .end(v2.subarray(start))
        else res.writeHead(200, { etag, 'content-length': String(v2.length) }).end(v2)
      }
      return true
    }, 10)
    const notices: string[] = []
    const file = dest()
    await downloadFile(`${hosts.base}/changing/${id}`, file, {
      expectedSize: null,
      maxBytes: 1_000_000,
      expectedSha256: null,
      policy,
      onNotice: (m) => notices.push(m),
    })
    expect(sha256Hex(fs.readFileSync(file))).toBe(sha256Hex(v2))
    expect(notices.join('\n')).toMatch(/the file changed on the server \(ETag "v1" → "v2"\); starting again from zero/)
  })

  it('the same for Last-Modified when the server gives no ETag', async () => {
    const v1 = bytes(90_000, 9)
    const v2 = bytes(90_000, 10)
    let served = 0
    hosts.intercept((req, res) => {
      if (req.url !== '/changing/lm' || req.method !== 'GET') return false
      served++
      const lm = served === 1 ? 'Mon, 30 Nov 2026 10:00:00 GMT' : 'Tue, 01 Dec 2026 11:00:00 GMT'
      const content = served === 1 ? v1 : v2
      const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0)
      const h = { 'last-modified': lm, 'content-length': String(content.length - start) }
      if (start > 0) res.writeHead(206, { ...h, 'content-range': `bytes ${start}-${content.length - 1}/${content.length}` })
      else res.writeHead(200, h)
      if (served === 1) res.write(content.subarray(0, 30_000), () => setTimeout(() => res.socket?.destroy(), 20))
      else res.end(content.subarray(start))
      return true
    }, 10)
    const notices: string[] = []
    const file = dest()
    await downloadFile(`${hosts.base}/changing/lm`, file, {
      expectedSize: null,
      maxBytes: 1_000_000,
      expectedSha256: null,
      policy,
      onNotice: (m) => notices.push(m),
    })
    expect(sha256Hex(fs.readFileSync(file))).toBe(sha256Hex(v2))
    expect(notices.join('\n')).toMatch(/Last-Modified .* → .*starting again from zero/)
  })

  // Without the restart on a failed hash after a resume, the download would fail (or, worse, keep the spliced file).
  it('a sha256 that fails after a resume restarts from zero', async () => {
    const content = bytes(80_000, 11)
    const url = hosts.addHf('org/r', COMMIT, 'splice.bin', content)
    hosts.intercept((req, res) => isCdn(req, content) && (cutAfter(req, res, content, 20_000), true))
    hosts.intercept((req, res) => {
      if (!isCdn(req, content) || !req.headers.range) return false
      // A correct-looking continuation of wrong bytes.
      const start = Number(/bytes=(\d+)-/.exec(req.headers.range)![1])
      const junk = Buffer.alloc(content.length - start, 0x55)
      res
        .writeHead(206, {
          etag: `"${sha256Hex(content)}"`,
          'content-length': String(junk.length),
          'content-range': `bytes ${start}-${content.length - 1}/${content.length}`,
        })
        .end(junk)
      return true
    })
    const notices: string[] = []
    const file = dest()
    const r = await downloadFile(url, file, opts(content, { onNotice: (m) => notices.push(m) }))
    expect(fs.readFileSync(file).equals(content)).toBe(true)
    expect(r.resumedFrom).toBe(0)
    expect(notices.join('\n')).toMatch(/sha256 [0-9a-f]{64} after resuming at byte \d+ differs .*starting again from zero/)
  })

  it('bytes left by another source are never continued', async () => {
    const content = bytes(50_000, 12)
    const url = hosts.addHf('org/r', COMMIT, 'other-source.bin', content)
    const file = dest()
    fs.writeFileSync(`${file}.part`, content.subarray(0, 20_000))
    fs.writeFileSync(`${file}.part.json`, JSON.stringify({ url: 'https://elsewhere.invalid/x', etag: null, lastModified: null, total: content.length }))
    const r = await downloadFile(url, file, opts(content))
    expect(r.resumedFrom).toBe(0)
    expect(hosts.log.filter((l) => l.path === `/cdn/${sha256Hex(content)}`).every((l) => !l.range)).toBe(true)
  })
})

describe('a complete part file', () => {
  it('left by a crash before the rename (size unknown to the manifest): finished without fetching the body again', async () => {
    const content = bytes(30_000, 27)
    const url = `${hosts.base}/unsized/complete`
    hosts.intercept((req, res) => {
      if (req.url !== '/unsized/complete') return false
      serveBytes(req, res, FakeHosts.served(content))
      return true
    }, 10)
    const file = dest()
    fs.writeFileSync(`${file}.part`, content)
    fs.writeFileSync(`${file}.part.json`, JSON.stringify({ url, etag: null, lastModified: null, total: content.length }))
    const r = await downloadFile(url, file, { expectedSize: null, maxBytes: 100_000, expectedSha256: null, policy })
    expect(r).toMatchObject({ bytes: content.length, sha256: sha256Hex(content), resumedFrom: content.length })
    expect(hosts.log.filter((l) => l.path === '/unsized/complete' && l.method === 'GET')).toHaveLength(0)
  })
})

describe('byte cap', () => {
  // Without the cap the download never ends (the server streams forever).
  it('with a declared size: stops at it, deletes the part and says why', async () => {
    const content = bytes(10_000, 13)
    hosts.intercept((req, res) => {
      if (req.url !== '/endless/a' || req.method !== 'GET') return false
      res.writeHead(200, { 'content-type': 'application/octet-stream' }) // no Content-Length: chunked, endless
      const timer = setInterval(() => res.write(Buffer.alloc(16_384, 7)), 2)
      res.on('close', () => clearInterval(timer))
      return true
    })
    const file = dest()
    await expect(downloadFile(`${hosts.base}/endless/a`, file, opts(content))).rejects.toThrow(
      /sent more than the 10000 bytes declared for this file; stopped and deleted the partial file/,
    )
    expect(fs.existsSync(`${file}.part`)).toBe(false)
    expect(fs.existsSync(file)).toBe(false)
  })

  it("with no declared size: stops at the manifest's max_size", async () => {
    hosts.intercept((req, res) => {
      if (req.url !== '/endless/b' || req.method !== 'GET') return false
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      const timer = setInterval(() => res.write(Buffer.alloc(16_384, 7)), 2)
      res.on('close', () => clearInterval(timer))
      return true
    })
    const file = dest()
    await expect(downloadFile(`${hosts.base}/endless/b`, file, { expectedSize: null, maxBytes: 100_000, expectedSha256: null, policy })).rejects.toThrow(
      /more than the 100000 bytes declared/,
    )
    expect(fs.existsSync(`${file}.part`)).toBe(false)
  })

  it('refuses at once a Content-Length over the cap', async () => {
    hosts.intercept((req, res) => {
      if (req.url !== '/big' || req.method !== 'GET') return false
      res.writeHead(200, { 'content-length': '5000000' }).end(Buffer.alloc(5_000_000))
      return true
    })
    await expect(downloadFile(`${hosts.base}/big`, dest(), { expectedSize: null, maxBytes: 1000, expectedSha256: null, policy })).rejects.toThrow(
      /offers 5000000 bytes, more than this file's cap of 1000 bytes/,
    )
  })
})

describe('redirects: https only, at most 10 hops', () => {
  // Without the https check the plain-http twin would serve the file.
  it('refuses a redirect to http (a downgrade), and an http URL', async () => {
    const content = bytes(1000, 14)
    hosts.intercept((req, res) => {
      if (req.url !== '/downgrade') return false
      res.writeHead(302, { location: `${hosts.plainBase}/cdn/${sha256Hex(content)}` }).end()
      return true
    }, 10)
    hosts.addHf('org/d', COMMIT, 'd.bin', content)
    await expect(downloadFile(`${hosts.base}/downgrade`, dest(), opts(content))).rejects.toThrow(
      /redirected to http:\/\/127\.0\.0\.1:\d+\/cdn\/[0-9a-f]+, which is not https \(refused\)/,
    )
    await expect(downloadFile(`${hosts.plainBase}/cdn/${sha256Hex(content)}`, dest(), opts(content))).rejects.toThrow(/only https downloads are allowed/)
    expect(hosts.log.filter((l) => l.path === `/cdn/${sha256Hex(content)}`)).toHaveLength(0)
  })

  it('follows 10 hops, refuses 11', async () => {
    const content = bytes(1000, 15)
    hosts.addHf('org/hops', COMMIT, 'h.bin', content)
    hosts.intercept((req, res) => {
      const m = /^\/hop\/(\d+)$/.exec(req.url ?? '')
      if (!m) return false
      const left = Number(m[1])
      res.writeHead(302, { location: left > 1 ? `/hop/${left - 1}` : `/cdn/${sha256Hex(content)}` }).end()
      return true
    }, Infinity)
    const ok = dest()
    await downloadFile(`${hosts.base}/hop/10`, ok, opts(content))
    expect(fs.readFileSync(ok).equals(content)).toBe(true)
    await expect(downloadFile(`${hosts.base}/hop/11`, dest(), opts(content))).rejects.toThrow(/more than 10 redirects \(refused\)/)
  })

  it('an untrusted certificate is refused: trust comes only from the policy', async () => {
    const content = bytes(1000, 16)
    const url = hosts.addHf('org/tls', COMMIT, 't.bin', content)
    const notices: string[] = []
    await expect(downloadFile(url, dest(), opts(content, { policy: { backoffMs: 1 }, onNotice: (m) => notices.push(m) }))).rejects.toThrow(
      /the server's certificate is not trusted \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)/,
    )
    expect(notices.filter((m) => /retrying/.test(m))).toHaveLength(0)
  })
})

describe('flaky, slow and stalled servers', () => {
  // Without retries the first reset is the end of the download.
  it('connection resets mid-body: retries with backoff and resumes each time', async () => {
    const content = bytes(150_000, 17)
    const url = hosts.addHf('org/f', COMMIT, 'flaky.bin', content)
    hosts.intercept((req, res) => isCdn(req, content) && (cutAfter(req, res, content, 25_000), true), 3)
    const notices: string[] = []
    const file = dest()
    const r = await downloadFile(url, file, opts(content, { onNotice: (m) => notices.push(m) }))
    expect(fs.readFileSync(file).equals(content)).toBe(true)
    expect(notices.filter((m) => /retrying in/.test(m))).toHaveLength(3)
    expect(notices.map((m) => /retrying in ([\d.]+) s/.exec(m)?.[1])).toEqual(['0.0', '0.0', '0.0']) // 5, 10, 20 ms: doubling
    expect(r.resumedFrom).toBeGreaterThan(0)
  })

  // Without the stall timer this request hangs until the test times out.
  it('a stall (no bytes for the stall timeout) drops the connection and resumes', async () => {
    const content = bytes(60_000, 18)
    const url = hosts.addHf('org/f', COMMIT, 'stall.bin', content)
    hosts.intercept((req, res) => {
      if (!isCdn(req, content)) return false
      res.writeHead(200, { etag: `"${sha256Hex(content)}"`, 'content-length': String(content.length) })
      res.write(content.subarray(0, 20_000)) // then nothing, connection left open
      return true
    })
    const notices: string[] = []
    const file = dest()
    const r = await downloadFile(url, file, opts(content, { onNotice: (m) => notices.push(m) }))
    expect(fs.readFileSync(file).equals(content)).toBe(true)
    expect(notices.join('\n')).toMatch(/no data for 0 s after 20000 bytes; retrying/)
    expect(r.resumedFrom).toBe(20_000)
  })

  it('a server that never answers is a stall too', async () => {
    const content = bytes(1000, 19)
    const url = hosts.addHf('org/f', COMMIT, 'silent.bin', content)
    hosts.intercept((req) => isCdn(req, content)) // swallows the request
    const file = dest()
    await downloadFile(url, file, opts(content))
    expect(fs.readFileSync(file).equals(content)).toBe(true)
  })

  it('progress reports the rate and the time left on a slow server', async () => {
    const content = bytes(64_000, 20)
    const url = hosts.addHf('org/f', COMMIT, 'slow.bin', content)
    hosts.intercept((req, res) => {
      if (!isCdn(req, content)) return false
      res.writeHead(200, { 'content-length': String(content.length) })
      let at = 0
      const timer = setInterval(() => {
        res.write(content.subarray(at, at + 8000))
        at += 8000
        if (at >= content.length) {
          clearInterval(timer)
          res.end()
        }
      }, 60)
      return true
    })
    const seen: DownloadProgress[] = []
    await downloadFile(url, dest(), opts(content, { onProgress: (p) => seen.push(p) }))
    expect(seen.at(-1)).toMatchObject({ received: content.length, total: content.length })
    const measured = seen.filter((p) => p.bytesPerSecond !== null)
    expect(measured.length).toBeGreaterThan(0)
    expect(measured.every((p) => p.bytesPerSecond! > 0 && p.etaSeconds !== null && p.etaSeconds >= 0)).toBe(true)
  })

  it('the rate meter: bytes over the window, time left at that rate', () => {
    const m = new RateMeter(5000)
    expect(m.sample(0, 1000, 0).bytesPerSecond).toBeNull()
    expect(m.sample(100, 1000, 1000)).toEqual({ received: 100, total: 1000, bytesPerSecond: 100, etaSeconds: 9 })
    expect(m.sample(300, null, 2000)).toMatchObject({ bytesPerSecond: 150, etaSeconds: null })
  })
})

describe('disk full and cancel', () => {
  // Without the ENOSPC handling this is a generic retry loop, then a vague error.
  it('disk full while writing: a clear error at once, nothing at the destination', async (ctx) => {
    if (!fs.existsSync('/dev/full')) {
      ctx.skip('/dev/full (a device whose writes fail with ENOSPC) is not available here')
      return
    }
    const content = bytes(100_000, 21)
    const url = hosts.addHf('org/full', COMMIT, 'full.bin', content)
    const file = dest()
    fs.symlinkSync('/dev/full', `${file}.part`)
    const notices: string[] = []
    const run = downloadFile(url, file, opts(content, { onNotice: (m) => notices.push(m), policy: { ...policy, freeBytes: () => null } }))
    await expect(run).rejects.toBeInstanceOf(DiskFullError)
    await expect(run).rejects.toThrow(/disk full while writing .*file\.bin\.part.*nothing was installed/)
    expect(notices.filter((m) => /retrying/.test(m))).toHaveLength(0)
    expect(fs.existsSync(file)).toBe(false)
  })

  it('not enough free space for the rest of the file: refused before writing', async () => {
    const content = bytes(100_000, 22)
    const url = hosts.addHf('org/full', COMMIT, 'space.bin', content)
    const file = dest()
    await expect(downloadFile(url, file, opts(content, { policy: { ...policy, freeBytes: () => 50_000 } }))).rejects.toThrow(
      /not enough disk space for file\.bin .*100000 bytes needed, 50000 free/,
    )
    expect(fs.existsSync(file)).toBe(false)
  })

  it('cancel keeps the part file, and the next run resumes from it', async () => {
    const content = bytes(400_000, 23)
    const url = hosts.addHf('org/c', COMMIT, 'cancel.bin', content)
    hosts.intercept((req, res) => {
      if (!isCdn(req, content)) return false
      res.writeHead(200, { etag: `"${sha256Hex(content)}"`, 'content-length': String(content.length) })
      res.write(content.subarray(0, 100_000)) // then wait: the user cancels
      return true
    })
    const abort = new AbortController()
    const file = dest()
    const run = downloadFile(url, file, opts(content, { signal: abort.signal, onProgress: (p) => p.received >= 100_000 && abort.abort() }))
    await expect(run).rejects.toBeInstanceOf(DownloadCancelledError)
    await expect(run).rejects.toThrow(/cancelled; 100000 bytes of file\.bin kept for resume/)
    expect(fs.statSync(`${file}.part`).size).toBe(100_000)
    const r = await downloadFile(url, file, opts(content))
    expect(r.resumedFrom).toBe(100_000)
    expect(fs.readFileSync(file).equals(content)).toBe(true)
  })
})

describe('Google Drive-like host', () => {
  // Without the form flow (or without keeping the cookie) the "file" is the warning page.
  it('answers the large-file confirmation page: submits its form with the cookies it set', async () => {
    const content = bytes(250_000, 24)
    const url = hosts.addDrive('1DriveFileIdForTheCocoWeights0', content)
    const file = dest()
    const r = await downloadFile(url, file, { expectedSize: null, maxBytes: 1_000_000, expectedSha256: null, policy })
    expect(fs.readFileSync(file).equals(content)).toBe(true)
    expect(r.url).toBe(url)
    const submitted = hosts.log.filter((l) => l.path.startsWith('/download?') && l.path.includes('confirm=t'))
    expect(submitted.at(-1)!.path).toMatch(/uuid=[0-9a-f-]{36}/)
    expect(submitted.at(-1)!.cookie).toMatch(/download_warning_1DriveFileIdForTheCocoWeights0=/)
  })

  it('recognises the quota page and says so', async () => {
    hosts.addDrive('1DriveFileIdOverQuota000000000', bytes(1000, 25))
    hosts.driveOverQuota.add('1DriveFileIdOverQuota000000000')
    const run = downloadFile(`${hosts.base}/uc?export=download&id=1DriveFileIdOverQuota000000000`, dest(), {
      expectedSize: null,
      maxBytes: 1_000_000,
      expectedSha256: null,
      policy,
    })
    await expect(run).rejects.toMatchObject({ quotaExceeded: true })
    await expect(run).rejects.toThrow(/Google Drive refuses the download for now \(its download quota for this file is exceeded\)/)
  })

  it('an unexpected web page instead of the file is an error naming it', async () => {
    hosts.intercept((req, res) => {
      if (req.url !== '/login') return false
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><title>Sign in</title></head><body>log in</body></html>')
      return true
    }, 5)
    await expect(downloadFile(`${hosts.base}/login`, dest(), { expectedSize: null, maxBytes: 1000, expectedSha256: null, policy })).rejects.toThrow(
      /sent a web page \("Sign in"\) instead of the file/,
    )
  })

  it('reads the form: action, hidden fields (entities decoded), relative actions', () => {
    const page = readDrivePage(
      `<form id="download-form" action="/download" method="get"><input type="submit" value="Download anyway"><input type="hidden" name="id" value="abc"><input type="hidden" name="export" value="download"><input type="hidden" name="confirm" value="t"><input type="hidden" name="uuid" value="u&amp;1"></form>`,
      'https://drive.usercontent.google.com/download?id=abc',
    )
    expect(page).toEqual({ kind: 'confirm', url: 'https://drive.usercontent.google.com/download?id=abc&export=download&confirm=t&uuid=u%261' })
    expect(readDrivePage('<p>Too many users have viewed or downloaded this file recently.</p>', 'https://x/').kind).toBe('quota')
  })
})

describe('small pieces', () => {
  it('parses Content-Range', () => {
    expect(parseContentRange('bytes 10-19/20')).toEqual({ start: 10, end: 19, total: 20 })
    expect(parseContentRange('bytes 10-19/*')).toEqual({ start: 10, end: 19, total: null })
    expect(parseContentRange('bytes 19-10/20')).toBeNull()
    expect(parseContentRange(null)).toBeNull()
    expect(parseContentRange('items 0-1/2')).toBeNull()
  })

  it('serveBytes honours If-Range: a changed validator gets the whole file', async () => {
    const content = bytes(1000, 26)
    hosts.intercept((req, res) => {
      if (req.url !== '/ifrange') return false
      serveBytes(req, res, FakeHosts.served(content, '"new"'))
      return true
    }, 5)
    const file = dest()
    fs.writeFileSync(`${file}.part`, content.subarray(0, 100))
    fs.writeFileSync(`${file}.part.json`, JSON.stringify({ url: `${hosts.base}/ifrange`, etag: '"old"', lastModified: null, total: 1000 }))
    const notices: string[] = []
    await downloadFile(`${hosts.base}/ifrange`, file, opts(content, { onNotice: (m) => notices.push(m) }))
    expect(notices.join('\n')).toMatch(/sent the whole file instead of the rest; starting again from zero/)
    expect(crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')).toBe(sha256Hex(content))
  })
})
