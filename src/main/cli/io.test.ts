// A reader that goes away (`photocap list | head`) must end any command quietly
// with status 0, not crash on EPIPE. These run the real CLI as a subprocess
// (node bin/photocap.js) and close its stdout the way head does.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../engine/db/database.ts'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-io-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

/** Run the CLI; after `readLines` lines of stdout (0: at once), close our end of the pipe. */
function runClosingStdout(args: string[], readLines: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; lines: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repo, 'bin/photocap.js'), ...args], {
      cwd: dir,
      env: { ...process.env, PHOTOCAP_DATA_DIR: path.join(dir, 'data') },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    let seen = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    if (readLines === 0) child.stdout.destroy()
    else
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString()
        if (seen.split('\n').length > readLines) child.stdout.destroy()
      })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stderr, lines: seen.split('\n').length - 1 }))
  })
}

describe('closed stdout (photocap ... | head)', () => {
  it('--help with its reader already gone exits 0 without an error', async () => {
    const r = await runClosingStdout(['--help'], 0)
    expect(r.stderr).not.toMatch(/EPIPE|Error/)
    expect(r).toMatchObject({ code: 0, signal: null })
  }, 60_000)

  it('list of 20000 photos, reader gone after the first line, exits 0 without an error', async () => {
    const dbPath = path.join(dir, 'lib.db')
    const db = openDatabase(dbPath)
    const now = Date.now()
    db.raw.prepare('INSERT INTO roots (id, path, added_at) VALUES (1, ?, ?)').run(dir, now)
    const photo = db.raw.prepare("INSERT INTO photos (id, status, added_at, updated_at) VALUES (?, 'indexed', ?, ?)")
    const p = db.raw.prepare('INSERT INTO paths (photo_id, root_id, rel_path, seen_at) VALUES (?, 1, ?, ?)')
    db.raw.transaction(() => {
      for (let i = 1; i <= 20_000; i++) {
        photo.run(i, now, now)
        p.run(i, `folder/photo-${String(i).padStart(5, '0')}-with-a-longer-name-to-fill-the-pipe.jpg`, now)
      }
    })()
    db.close()
    const r = await runClosingStdout(['list', '--db', dbPath], 1)
    expect(r.lines).toBeGreaterThanOrEqual(1)
    expect(r.lines).toBeLessThan(20_000) // the pipe really closed mid-output
    expect(r.stderr).not.toMatch(/EPIPE|Error/)
    expect(r).toMatchObject({ code: 0, signal: null })
  }, 60_000)
})

describe('stdout carries the output only', () => {
  it("a damaged HEIF file: the decoder library's own print goes to stderr, stdout is the summary", async () => {
    const photos = path.join(dir, 'heif')
    fs.mkdirSync(photos)
    // An ftyp box that says HEIC and nothing after it: libheif says "Could not parse HEIF file" through console.log.
    const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1')])
    fs.writeFileSync(path.join(photos, 'broken.heic'), Buffer.concat([ftyp, Buffer.alloc(200)]))
    const r = spawnSync(process.execPath, [path.join(repo, 'bin/photocap.js'), 'index', photos, '--db', path.join(dir, 'heif.db'), '--no-ml'], {
      cwd: dir,
      env: { ...process.env, PHOTOCAP_DATA_DIR: path.join(dir, 'data') },
      encoding: 'utf8',
    })
    expect(r.status).toBe(0)
    expect(r.stdout).not.toMatch(/HEIF/)
    expect(r.stdout).toMatch(/^1 photos in the library: 0 captioned, 1 failed/)
    expect(r.stderr).toMatch(/Could not parse HEIF file/)
  }, 60_000)
})
