// The dispatcher's contract with every command: usage errors exit 2.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from './index.ts'
import type { CliIo } from './io.ts'

function captureIo() {
  const err: string[] = []
  const io: CliIo = {
    out: () => undefined,
    err: (t) => err.push(t),
    progress: () => undefined,
    interactive: false,
    cwd: os.tmpdir(),
    env: { PHOTOCAP_DATA_DIR: os.tmpdir() },
  }
  return { io, err }
}

describe('photocap dispatcher', () => {
  it.each([
    ['caption', 'x.jpg'],
    ['caption', 'set', 'x.jpg', 'text'],
    ['embed', '--text', 'x'],
    ['models', 'list'],
    ['index', 'photos'],
    ['watch'],
    ['list'],
    ['status'],
    ['search', 'dog'],
    ['similar', 'x.jpg'],
    ['export', '--format', 'csv'],
    ['train', '--data', 'x', '--pack', 'p', '--out', 'o'],
    ['serve'],
  ])('an unknown flag is a usage error with status 2: %s', async (...argv) => {
    const c = captureIo()
    expect(await main([...argv, '--no-such-flag'], c.io)).toBe(2)
    expect(c.err.join('\n')).toMatch(/Unknown option '--no-such-flag'/)
  })

  it('an unknown command is a usage error too; a failing command is status 1', async () => {
    const c = captureIo()
    expect(await main(['frobnicate'], c.io)).toBe(2)
    expect(c.err.join('\n')).toMatch(/unknown command 'frobnicate'/)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-cli-'))
    try {
      const f = captureIo()
      expect(await main(['caption', 'set', '/no/such/photo.jpg', 'text', '--db', path.join(dir, 'library.db')], f.io)).toBe(1)
      expect(f.err.join('\n')).toMatch(/not in the library/)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
