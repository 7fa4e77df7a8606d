// Security of `photocap serve`'s bridge, against the real backend (engine on a
// temp library, no ML): the token is required on API calls, the event socket
// and image URLs; other origins and hosts are refused; images are served by
// existing photo id only and anything path-like is refused; input failing its
// schema gets a clear error.
import { testBackend } from '../../../test/helpers/backend.ts'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { Backend } from '../app/backend.ts'
import { parseImageWidth } from '../app/image-request.ts'
import { startHttpBridge, type HttpBridge } from './http-bridge.ts'

let dir: string
let backend: Backend
let bridge: HttpBridge
let photoId: number

/** A raw request, so the test controls every header (fetch would add or forbid some). */
function request(
  method: string,
  urlPath: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: bridge.port, method, path: urlPath, headers: { host: `127.0.0.1:${bridge.port}`, ...headers } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }))
      },
    )
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

const api = (method: string, body: unknown, headers: Record<string, string> = {}) =>
  request('POST', `/api/${method}`, { 'content-type': 'application/json', 'x-photocap-token': bridge.token, ...headers }, JSON.stringify(body))

function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers })
    ws.on('open', () => {
      ws.close()
      resolve('open')
    })
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.on('error', () => undefined)
  })
}

/** Raw bytes in, the status line's code out (0 when the server closed without one). */
function raw(bytes: string | Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(bridge.port, '127.0.0.1', () => socket.write(bytes))
    let text = ''
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1')
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text)
      if (m) {
        socket.destroy()
        resolve(Number(m[1]))
      }
    })
    socket.on('error', () => undefined)
    socket.on('close', () => resolve(0))
    // A server that never answers (its handler threw) must fail the test, not hang it.
    socket.setTimeout(10_000, () => socket.destroy())
  })
}

/** The close code the server sends after the client sends `data` on an open event socket. */
function wsCloseCode(send: (ws: WebSocket) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/ws?token=${bridge.token}`)
    ws.on('open', () => send(ws))
    ws.on('close', (code) => resolve(code))
    ws.on('error', reject)
  })
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-bridge-'))
  const photos = path.join(dir, 'photos')
  fs.mkdirSync(photos)
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 80, b: 40 } } })
    .jpeg()
    .toFile(path.join(photos, 'red.jpg'))
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'not for the page')
  fs.mkdirSync(path.join(dir, 'web'))
  fs.writeFileSync(path.join(dir, 'web', 'index.html'), '<!doctype html><title>t</title>')
  backend = await testBackend(dir)
  bridge = await startHttpBridge({ dispatcher: backend.dispatcher, events: backend.events, images: backend.images, staticDir: path.join(dir, 'web'), port: 0 })
  await backend.engine.roots.add(photos)
  await backend.engine.jobs.whenIdle()
  photoId = backend.engine.photos.list()[0]!.id
})

afterAll(async () => {
  await bridge?.close()
  await backend?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('HTTP bridge security', () => {
  it('listens on 127.0.0.1 and prints a URL with the token', () => {
    expect(bridge.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${bridge.port}/\\?token=[A-Za-z0-9_-]{32}$`))
  })

  it('answers a call with the token', async () => {
    const r = await api('roots.list', {})
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, value: [{ path: expect.stringContaining('photos') }] })
  })

  it('refuses API calls without the token or with a wrong one', async () => {
    const none = await request('POST', '/api/roots.list', { 'content-type': 'application/json' }, '{}')
    expect(none.status).toBe(401)
    expect(JSON.parse(none.body)).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('token') } })
    const wrong = await api('roots.list', {}, { 'x-photocap-token': bridge.token.slice(0, -1) + (bridge.token.endsWith('A') ? 'B' : 'A') })
    expect(wrong.status).toBe(401)
  })

  it('refuses API calls from other origins and other hosts (DNS rebinding)', async () => {
    expect((await api('roots.list', {}, { origin: 'https://evil.example' })).status).toBe(403)
    expect((await api('roots.list', {}, { origin: `http://127.0.0.1:${bridge.port + 1}` })).status).toBe(403)
    expect((await api('roots.list', {}, { origin: bridge.origin })).status).toBe(200)
    expect((await api('roots.list', {}, { host: `evil.example:${bridge.port}` })).status).toBe(403)
  })

  it('refuses the event socket without the token or from another origin', async () => {
    const ws = `ws://127.0.0.1:${bridge.port}/ws`
    expect(await wsStatus(ws)).toBe(401)
    expect(await wsStatus(`${ws}?token=${bridge.token}`, { origin: 'https://evil.example' })).toBe(403)
    expect(await wsStatus(`${ws}?token=${bridge.token}`, { origin: bridge.origin })).toBe('open')
  })

  it('rejects input that fails its schema with a clear error, and unknown methods', async () => {
    const bad = await api('photos.get', { id: '../../etc/passwd' })
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body).error.message).toMatch(/^photos\.get: invalid input: id: .*expected number/)
    const extra = await api('captions.set', { photoId, text: 'x', path: '/etc/passwd' })
    expect(extra.status).toBe(400)
    expect(JSON.parse(extra.body).error.message).toContain('path')
    const notJson = await request('POST', '/api/roots.list', { 'content-type': 'application/json', 'x-photocap-token': bridge.token }, '{nope')
    expect(notJson.status).toBe(400)
    expect((await api('fs.readFile', { path: '/etc/passwd' })).status).toBe(404)
    expect((await request('GET', '/api/roots.list', { 'x-photocap-token': bridge.token })).status).toBe(405)
  })

  it('serves a thumbnail by existing photo id with the token', async () => {
    const r = await request('GET', `/img/thumb/${photoId}?token=${bridge.token}`)
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('image/jpeg')
    expect((await request('GET', `/img/preview/${photoId}?token=${bridge.token}`)).status).toBe(200)
    // A screen-sized preview (w=…) and a nonsense width (ignored: the default preview) are both served.
    expect((await request('GET', `/img/preview/${photoId}?token=${bridge.token}&w=2560`)).status).toBe(200)
    expect((await request('GET', `/img/preview/${photoId}?token=${bridge.token}&w=..%2F1`)).status).toBe(200)
  })

  it('reads a preview width as a plain number of pixels, nothing else', () => {
    expect(parseImageWidth('2560')).toBe(2560)
    expect(parseImageWidth(null)).toBeUndefined()
    for (const bad of ['0', '-5', '1e4', '12.5', '9999999', '../1', '']) expect(parseImageWidth(bad)).toBeUndefined()
  })

  it('refuses image requests without the token', async () => {
    expect((await request('GET', `/img/thumb/${photoId}`)).status).toBe(401)
  })

  it('refuses ids that do not exist', async () => {
    expect((await request('GET', `/img/thumb/999999?token=${bridge.token}`)).status).toBe(404)
  })

  it('refuses any path-like input on the image route', async () => {
    const secret = path.join(dir, 'secret.txt')
    for (const p of [
      `/img/thumb/..%2F..%2Fsecret.txt`,
      `/img/thumb/${encodeURIComponent(secret)}`,
      `/img/thumb/..`,
      `/img/thumb/${photoId}%2F..`,
      `/img/thumb/0${photoId}`,
      `/img/thumb/-1`,
      `/img/thumb/1e3`,
      `/img/thumb/C:%5Cwindows`,
      `/img/original/${photoId}`,
      `/img/thumb/${photoId}/extra`,
    ]) {
      const r = await request('GET', `${p}?token=${bridge.token}`)
      expect(r.status, p).toBe(400)
      expect(r.body).not.toContain('not for the page')
    }
  })

  it('serves the page (public code; it keeps the token in sessionStorage so a reload works) with a strict CSP and no referrer', async () => {
    const page = await request('GET', '/')
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    expect(page.headers['referrer-policy']).toBe('no-referrer')
  })

  it('answers malformed request targets with 400 and keeps serving (request and upgrade)', async () => {
    const host = `host: 127.0.0.1:${bridge.port}\r\n`
    for (const target of ['//[x', '/api/%E0%A4%A', '/%E0%A4%A']) {
      expect(await raw(`GET ${target} HTTP/1.1\r\n${host}\r\n`), target).toBe(400)
      // POST outside /api/ is refused as a method (405) before its path is decoded.
      const post = `POST ${target} HTTP/1.1\r\n${host}content-type: application/json\r\nx-photocap-token: ${bridge.token}\r\ncontent-length: 2\r\n\r\n{}`
      expect(await raw(post), `POST ${target}`).toBe(target === '//[x' || target.startsWith('/api/') ? 400 : 405)
      const upgrade = `GET ${target} HTTP/1.1\r\n${host}connection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: 13\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`
      // Only /ws upgrades; another path is a 404 before anything is decoded, an unparseable one a 400.
      expect(await raw(upgrade), `upgrade ${target}`).toBe(target === '//[x' ? 400 : 404)
    }
    expect((await api('roots.list', {})).status).toBe(200)
  })

  it('answers a body over 1 MiB with 413, with or without a content-length', async () => {
    const big = JSON.stringify({ text: 'x'.repeat((1 << 20) + 10) })
    const sized = await api('roots.list', JSON.parse(big) as unknown)
    expect(sized.status).toBe(413)
    expect(JSON.parse(sized.body).error.message).toContain('over 1048576 bytes')
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: bridge.port,
          method: 'POST',
          path: '/api/roots.list',
          headers: { host: `127.0.0.1:${bridge.port}`, 'content-type': 'application/json', 'x-photocap-token': bridge.token, 'transfer-encoding': 'chunked' },
        },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', reject)
      for (let i = 0; i < 20; i++) req.write('x'.repeat(64 * 1024))
      req.end()
    })
    expect(chunked).toBe(413)
    expect((await api('roots.list', {})).status).toBe(200)
  })

  it('closes an event socket that sends an over-limit or non-UTF-8 message with 1009 / 1007, and lives', async () => {
    expect(await wsCloseCode((ws) => ws.send(Buffer.alloc(200 * 1024, 0x61)))).toBe(1009)
    expect(await wsCloseCode((ws) => ws.send(Buffer.from([0xc3, 0x28]), { binary: false }))).toBe(1007)
    expect(await wsStatus(`ws://127.0.0.1:${bridge.port}/ws?token=${bridge.token}`)).toBe('open')
    expect((await api('roots.list', {})).status).toBe(200)
  })

  it('never serves files outside the interface folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', `/${encodeURIComponent(path.join(dir, 'secret.txt'))}`]) {
      const r = await request('GET', p)
      expect(r.status, p).toBe(404)
      expect(r.body).not.toContain('not for the page')
    }
  })
})
