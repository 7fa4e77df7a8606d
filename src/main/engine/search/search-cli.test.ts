// The `search`, `similar` and `export` commands end to end, in process, on the
// fixture library (a real database file), with their exact output contract.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../cli/index.ts'
import type { CliIo } from '../../cli/io.ts'
import { openDatabase } from '../db/database.ts'
import { buildFixture, type BuiltFixture } from '../../../../test/fixtures/search/fixture-library.ts'

let dir: string
let dbFile: string
let lib: BuiltFixture

function io(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return {
    stdout,
    stderr,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    progress: () => undefined,
    interactive: false,
    cwd: dir,
    env: { ...process.env, PHOTOCAP_DATA_DIR: path.join(dir, 'data') },
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-search-cli-'))
  dbFile = path.join(dir, 'library.db')
  const db = openDatabase(dbFile)
  lib = await buildFixture(db, dir, { writeFiles: true })
  db.close()
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('photocap search / similar / export', () => {
  it('search --json prints one {path, caption, score, source} object per line', async () => {
    const t = io()
    expect(await main(['search', 'dog', 'beach', '--db', dbFile, '--json', '--words-only', '--limit', '5'], t)).toBe(0)
    const lines = t.stdout.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(Object.keys(lines[0]!)).toEqual(['path', 'caption', 'score', 'source'])
    expect(lines[0]).toEqual({ path: path.join(lib.rootDir, 'Crete 2019', 'IMG_0042.jpg'), caption: 'A dog running on the beach', score: 1, source: 'words' })
    expect(lines.length).toBeLessThanOrEqual(5)
  })

  it('search says when meaning could not take part, and still answers with words', async () => {
    const t = io()
    // the fixture's embeddings come from no installed model, so whatever pack loads cannot match them
    expect(await main(['search', 'Rex', '--db', dbFile, '--json'], t)).toBe(0)
    expect(t.stdout.map((l) => (JSON.parse(l) as { path: string }).path)).toEqual([path.join(lib.rootDir, 'Crete 2019', 'IMG_0043.jpg')])
    expect(t.stderr.join('\n')).toMatch(/words only: /)
  })

  it('caps the query length as the API does (a 1 MB query is refused at once)', async () => {
    const t = io()
    expect(await main(['search', 'x'.repeat(1 << 20), '--db', dbFile, '--words-only'], t)).toBe(2)
    expect(t.stderr.join('\n')).toMatch(/^photocap search: the query is 1048576 characters; at most 500 \(as in the app\)\nusage: photocap search QUERY/)
    expect(await main(['export', '--format', 'csv', '--query', 'x'.repeat(501), '--db', dbFile], t)).toBe(2)
    expect(t.stderr.at(-1)).toMatch(/^photocap export: --query is 501 characters; at most 500\nusage: photocap export /)
    expect(await main(['search', 'd'.repeat(499) + 'g', '--db', dbFile, '--words-only'], t)).toBe(0)
  })

  it('rejects bad input with clear messages', async () => {
    const t = io()
    expect(await main(['search', '--db', dbFile], t)).toBe(2)
    expect(await main(['search', 'x', '--db', path.join(dir, 'nope.db')], t)).toBe(1)
    expect(t.stderr.join('\n')).toMatch(/no library database at .*nope\.db/)
    expect(await main(['search', 'x', '--db', dbFile, '--limit', 'lots'], t)).toBe(2) // a usage error, as a bad flag value is in every command
    expect(t.stderr.join('\n')).toMatch(/--limit: expected an integer of at least 1, got 'lots'/)
    expect(await main(['search', 'x', '--bogus'], t)).toBe(2) // a usage error, as in every command
    expect(await main(['export', '--format', 'pdf', '--db', dbFile], t)).toBe(2)
    expect(t.stderr.join('\n')).toMatch(/--format: expected csv, json, html or xmp, got 'pdf'/)
  })

  it('similar PATH lists the photo itself first, then look-alikes', async () => {
    const t = io()
    expect(await main(['similar', path.join('Pictures', 'Home', 'IMG_2041.jpg'), '--db', dbFile, '--json', '--limit', '3'], t)).toBe(0)
    const paths = t.stdout.map((l) => (JSON.parse(l) as { path: string; source: string }).path)
    expect(paths[0]).toBe(path.join(lib.rootDir, 'Home', 'IMG_2041.jpg'))
    expect(paths.slice(1)).toEqual(expect.arrayContaining([path.join(lib.rootDir, 'Home', 'IMG_2042.jpg')]))
    const missing = io()
    expect(await main(['similar', 'elsewhere.jpg', '--db', dbFile], missing)).toBe(1)
    expect(missing.stderr.join('\n')).toMatch(/elsewhere\.jpg is not in the library/)
  })

  it.skipIf(spawnSync('exiftool', ['-ver']).status !== 0)('export --query --format xmp --sidecar-naming base writes sidecars exiftool reads', async () => {
    const t = io()
    expect(await main(['export', '--format', 'xmp', '--query', 'Luna', '--db', dbFile, '--sidecar-naming', 'base'], t)).toBe(0)
    expect(t.stdout.join('\n')).toMatch(/exported 1 caption as xmp to sidecars next to the photos/)
    const sidecar = path.join(lib.rootDir, 'Home', 'IMG_2042.xmp')
    const r = spawnSync('exiftool', ['-j', '-charset', 'UTF8', '-AltTextAccessibility', sidecar], { encoding: 'utf8' })
    expect((JSON.parse(r.stdout) as { AltTextAccessibility: string }[])[0]!.AltTextAccessibility).toBe('Luna claimed the sofa again')
  })

  it('export --format csv writes into --out', async () => {
    const t = io()
    expect(await main(['export', '--format', 'csv', '--out', 'exports', '--db', dbFile], t)).toBe(0)
    const csv = fs.readFileSync(path.join(dir, 'exports', 'photocap-alt-text.csv'), 'utf8')
    expect(csv.split('\r\n')[0]).toBe('path,caption,provenance,model,length,too_long')
    expect(csv.split('\r\n').length - 2).toBe(lib.fixture.photos.filter((p) => p.caption).length)
  })
})
