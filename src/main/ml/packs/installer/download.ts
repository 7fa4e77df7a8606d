// One file over HTTP(S) with resume: bytes go to `<dest>.part`; an interrupted
// download continues with a Range request from the part's size (a server that
// ignores Range makes us start over). Size and sha256 are checked before the
// part is renamed to `dest`; a mismatch deletes the part and fails.
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import https from 'node:https'

export interface DownloadOptions {
  expectedSize: number | null
  expectedSha256: string | null
  onProgress?: (received: number, total: number | null) => void
  signal?: AbortSignal
  /** Redirects to follow (Hugging Face answers with 302 to its CDN). */
  maxRedirects?: number
}

export interface Downloaded {
  bytes: number
  sha256: string
  /** Bytes that were already on disk from an interrupted attempt. */
  resumedFrom: number
}

function request(url: string, headers: Record<string, string>, signal: AbortSignal | undefined, redirects: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : url.startsWith('http:') ? http : null
    if (!lib) {
      reject(new Error(`${url}: only http and https downloads are supported`))
      return
    }
    const req = lib.get(url, { headers: { 'user-agent': 'photocap', ...headers }, ...(signal ? { signal } : {}) }, (res) => {
      const status = res.statusCode ?? 0
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume()
        if (redirects <= 0) reject(new Error(`${url}: too many redirects`))
        else resolve(request(new URL(res.headers.location, url).toString(), headers, signal, redirects - 1))
        return
      }
      resolve(res)
    })
    req.on('error', reject)
  })
}

async function hashFile(file: string, hash: crypto.Hash): Promise<void> {
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer)
}

export async function downloadFile(url: string, dest: string, options: DownloadOptions): Promise<Downloaded> {
  const part = `${dest}.part`
  let have = fs.existsSync(part) ? fs.statSync(part).size : 0
  if (options.expectedSize !== null && have > options.expectedSize) {
    fs.rmSync(part)
    have = 0
  }
  const hash = crypto.createHash('sha256')
  let resumedFrom = 0
  const done = options.expectedSize !== null && have === options.expectedSize
  if (!done) {
    const res = await request(url, have > 0 ? { range: `bytes=${have}-` } : {}, options.signal, options.maxRedirects ?? 5)
    const status = res.statusCode ?? 0
    if (status === 416 && have > 0) {
      // Nothing left to fetch: the part is already complete (size unknown in the manifest).
      res.resume()
    } else {
      if (status !== 200 && status !== 206) {
        res.resume()
        throw new Error(`${url}: HTTP ${status}`)
      }
      if (status === 200 && have > 0) have = 0 // the server ignored Range: start over
      if (status === 206) resumedFrom = have
      const lengthHeader = Number(res.headers['content-length'])
      const total = Number.isFinite(lengthHeader) ? have + lengthHeader : options.expectedSize
      if (options.expectedSize !== null && total !== null && total !== options.expectedSize) {
        res.resume()
        throw new Error(`${url}: server offers ${total} bytes, the manifest says ${options.expectedSize}`)
      }
      const out = fs.createWriteStream(part, { flags: have > 0 ? 'a' : 'w' })
      let received = have
      try {
        await new Promise<void>((resolve, reject) => {
          res.on('data', (chunk: Buffer) => {
            received += chunk.length
            options.onProgress?.(received, total)
          })
          res.on('error', reject)
          res.on('aborted', () => reject(new Error(`${url}: connection closed after ${received} bytes`)))
          out.on('error', reject)
          res.pipe(out)
          out.on('finish', () => (res.complete ? resolve() : reject(new Error(`${url}: connection closed after ${received} bytes`))))
        })
      } finally {
        // Flush what arrived, so a later attempt resumes from the true size.
        await new Promise<void>((resolve) => {
          if (out.writableFinished || out.destroyed) resolve()
          else out.end(() => resolve())
        })
      }
      if (total !== null && received !== total) throw new Error(`${url}: got ${received} of ${total} bytes; run the install again to resume`)
    }
  }
  const bytes = fs.statSync(part).size
  if (options.expectedSize !== null && bytes !== options.expectedSize) {
    fs.rmSync(part)
    throw new Error(`${url}: downloaded ${bytes} bytes, expected ${options.expectedSize}`)
  }
  await hashFile(part, hash)
  const sha256 = hash.digest('hex')
  if (options.expectedSha256 !== null && sha256 !== options.expectedSha256) {
    fs.rmSync(part)
    throw new Error(`${url}: sha256 mismatch (got ${sha256}, expected ${options.expectedSha256}); the file was deleted`)
  }
  const fd = fs.openSync(part, 'r')
  fs.fsyncSync(fd)
  fs.closeSync(fd)
  fs.renameSync(part, dest)
  return { bytes, sha256, resumedFrom }
}
