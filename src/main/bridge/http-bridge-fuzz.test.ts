// Fuzzing `photocap serve`'s bridge from outside its process: thousands of
// random and mutated request lines, headers, bodies and WebSocket frames over
// raw loopback sockets (seeded, so a failure replays), against the real backend
// in a child process. Afterwards the same process (same pid, never exited)
// answers a normal call correctly. See [Note: Hostile requests never stop the server].
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const cases = 3000
const parallel = 16

let dir: string
let child: ChildProcess
let exited: number | null | 'no' = 'no'
let stderr = ''
let target: { port: number; token: string; pid: number }

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-fuzz-'))
  child = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'test/helpers/bridge-child.ts'), dir], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] })
  child.on('exit', (code) => (exited = code))
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()))
  target = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as typeof target)
    })
    child.on('exit', () => reject(new Error(`bridge child exited before listening:\n${stderr}`)))
  })
})

afterAll(async () => {
  if (exited === 'no') {
    // The library is a throwaway: no need for an orderly stop.
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
  }
  fs.rmSync(dir, { recursive: true, force: true })
})

/** mulberry32: small, seeded, good enough to pick bytes. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function generator(seed: number) {
  const r = rng(seed)
  const int = (n: number): number => Math.floor(r() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)))
  const nasty = [
    '//[x',
    '/api/%E0%A4%A',
    '/%',
    '/%zz',
    '/api/%',
    '/api/%C0%AF',
    '/img/thumb/%E0',
    '/ws?token=%',
    '/\u0000',
    '/..%2f..%2f',
    'http://[::1',
    '*',
    '',
    '/api/' + 'a'.repeat(9000),
    '/?token=' + '%'.repeat(50),
    '/ws/%E0%A4%A',
    '//[x/ws',
    '/api/roots.list?%',
  ]
  const methods = ['GET', 'POST', 'HEAD', 'PUT', 'OPTIONS', 'DELETE', 'PATCH', 'CONNECT', 'TRACE', 'G\u0000T', 'POS', 'X'.repeat(40)]
  const targetOf = (): string =>
    r() < 0.6 ? pick(nasty) : r() < 0.5 ? '/' + bytes(int(40)).toString('latin1') : '/api/' + encodeURIComponent(bytes(int(20)).toString('latin1'))
  const host = (): string =>
    r() < 0.85 ? `host: 127.0.0.1:${target.port}\r\n` : pick(['', 'host: evil.example\r\n', 'host:\r\n', `host: 127.0.0.1:${target.port}\r\nhost: x\r\n`])
  const headerJunk = (): string =>
    pick([
      '',
      `x-photocap-token: ${target.token}\r\ncontent-type: application/json\r\n`,
      'content-length: -1\r\n',
      'content-length: 99999999999999999999\r\n',
      'content-length: 5\r\ncontent-length: 7\r\n',
      'transfer-encoding: chunked\r\n',
      'transfer-encoding: gzip, chunked\r\ncontent-length: 3\r\n',
      `x: ${'y'.repeat(20000)}\r\n`,
      'bad header\r\n',
      `${bytes(8).toString('latin1')}: ${bytes(8).toString('latin1')}\r\n`,
      `origin: ${bytes(6).toString('latin1')}\r\n`,
      'expect: 100-continue\r\n',
    ])
  const wsHandshake = (path: string): string =>
    `GET ${path} HTTP/1.1\r\n${host()}connection: Upgrade\r\nupgrade: websocket\r\nsec-websocket-version: ${pick(['13', '8', 'x'])}\r\nsec-websocket-key: ${pick(['dGhlIHNhbXBsZSBub25jZQ==', '', 'short', bytes(16).toString('base64')])}\r\n${r() < 0.3 ? 'sec-websocket-extensions: permessage-deflate; client_max_window_bits\r\n' : ''}\r\n`
  /** A WebSocket frame, masked as a client must (sometimes not), with a random opcode, length claim and payload. */
  const frame = (): Buffer => {
    const fin = r() < 0.8 ? 0x80 : 0
    const rsv = r() < 0.1 ? int(8) << 4 : 0
    const opcode = pick([0x0, 0x1, 0x1, 0x2, 0x8, 0x9, 0xa, 0x3, 0xf])
    const payload = r() < 0.3 ? Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80]) : bytes(int(r() < 0.1 ? 70_000 : 200))
    const masked = r() < 0.9
    const len = payload.length
    const lenBytes =
      r() < 0.1
        ? Buffer.from([masked ? 0xff : 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        : len < 126
          ? Buffer.from([(masked ? 0x80 : 0) | len])
          : len < 65536
            ? Buffer.from([(masked ? 0x80 : 0) | 126, len >> 8, len & 255])
            : Buffer.concat([Buffer.from([(masked ? 0x80 : 0) | 127, 0, 0, 0, 0]), Buffer.from([len >>> 24, (len >> 16) & 255, (len >> 8) & 255, len & 255])])
    const mask = masked ? bytes(4) : Buffer.alloc(0)
    const body = masked ? Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!)) : payload
    return Buffer.concat([Buffer.from([fin | rsv | opcode]), lenBytes, mask, body])
  }
  const valid = (): string =>
    `POST /api/roots.list HTTP/1.1\r\nhost: 127.0.0.1:${target.port}\r\ncontent-type: application/json\r\nx-photocap-token: ${target.token}\r\ncontent-length: 2\r\n\r\n{}`
  /** Flip, drop or duplicate a few bytes of a valid request. */
  const mutated = (): Buffer => {
    const b = Buffer.from(valid(), 'latin1')
    const out = [...b]
    for (let k = 1 + int(4); k > 0; k--) {
      const i = int(out.length)
      const op = int(3)
      if (op === 0) out[i] = int(256)
      else if (op === 1) out.splice(i, 1)
      else out.splice(i, 0, int(256))
    }
    return Buffer.from(out)
  }
  return (): Buffer[] => {
    switch (int(6)) {
      case 0:
        return [
          Buffer.from(
            `${pick(methods)} ${targetOf()} ${pick(['HTTP/1.1', 'HTTP/1.0', 'HTTP/9.9', 'HTTP/1.1 x', ''])}\r\n${host()}${headerJunk()}\r\n`,
            'latin1',
          ),
        ]
      case 1: {
        const body =
          r() < 0.5 ? bytes(int(3000)) : Buffer.from(pick(['{', '{"a":', 'null', '[]'.repeat(500), '{"__proto__":{"x":1}}', '"\ud800"', '{"id":1e999}']))
        const framing = r() < 0.7 ? `content-length: ${r() < 0.8 ? body.length : int(5000)}\r\n` : 'transfer-encoding: chunked\r\n'
        return [
          Buffer.from(
            `POST ${r() < 0.7 ? '/api/' + pick(['roots.list', 'photos.get', 'search.query', 'captions.set', 'x', '%E0%A4%A']) : targetOf()} HTTP/1.1\r\n${host()}content-type: application/json\r\nx-photocap-token: ${target.token}\r\n${framing}\r\n`,
            'latin1',
          ),
          body,
        ]
      }
      case 2:
        return [mutated()]
      case 3:
        return [bytes(1 + int(600))]
      case 4:
        return [Buffer.from(wsHandshake(r() < 0.8 ? `/ws?token=${target.token}` : targetOf()), 'latin1'), ...Array.from({ length: 1 + int(4) }, frame)]
      default:
        // A valid request split at a random point, the rest never sent.
        return [Buffer.from(valid().slice(0, int(valid().length)), 'latin1')]
    }
  }
}

/** Send the pieces on one connection, half-close, and wait until the server closes it (bounded). */
function attack(pieces: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(target.port, '127.0.0.1')
    socket.on('connect', () => {
      for (const p of pieces) socket.write(p)
      socket.end()
    })
    socket.on('data', () => undefined)
    socket.on('error', () => undefined)
    socket.on('close', () => resolve())
    socket.setTimeout(3000, () => socket.destroy())
  })
}

function normalCall(): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: target.port,
        method: 'POST',
        path: '/api/roots.list',
        agent: false,
        headers: { host: `127.0.0.1:${target.port}`, 'content-type': 'application/json', 'x-photocap-token': target.token },
      },
      (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    req.end('{}')
  })
}

it(`survives ${cases} hostile requests and frames, then answers a normal call from the same process`, async () => {
  expect((await normalCall()).status).toBe(200)
  const next = generator(0x13)
  let sent = 0
  const worker = async (): Promise<void> => {
    while (sent < cases && exited === 'no') {
      sent++
      await attack(next())
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
  expect(exited, `the bridge process exited:\n${stderr.slice(-2000)}`).toBe('no')
  expect(child.pid).toBe(target.pid)
  const after = await normalCall()
  expect(after.status).toBe(200)
  expect(JSON.parse(after.body)).toEqual({ ok: true, value: [] })
})
