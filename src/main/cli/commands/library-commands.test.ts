// The library commands as a user runs them: index, list, status, caption set
// (in-process through the CLI dispatcher) and watch (a real child process
// stopped with a signal).
import { spawn } from 'node:child_process'
import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { main } from '../index.ts'
import { captureIo } from '../../../../test/helpers/cli-io.ts'
import { TINY_PACK_WARNING } from '../support.ts'
import { tempDir, writeJpeg, writePhotoFolder } from '../../../../test/helpers/photo-folders.ts'
import { sharedTinyDataDir } from '../../ml/pipeline/test-support.ts'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..')

async function setup() {
  const dir = await tempDir('photocap-cli-')
  await writePhotoFolder(path.join(dir, 'photos'), 4)
  await fs.writeFile(path.join(dir, 'photos', 'broken.jpg'), 'not a photo')
  return { dir, env: { PHOTOCAP_DATA_DIR: path.join(dir, 'appdata'), PHOTOCAP_ML_IN_PROCESS: '1' } }
}

describe('photocap index / list / status / caption set', () => {
  it('indexes without ML, lists one JSON object per photo, and a second run does only new work', async () => {
    const { dir, env } = await setup()
    const c = captureIo(dir, env)
    expect(await main(['index', 'photos', '--db', 'lib.db', '--no-ml'], c.io)).toBe(0)
    expect(c.out.join('\n')).toMatch(/5 photos in the library: 0 captioned, 1 failed, 0 missing/)
    expect(c.err.join('\n')).toMatch(/failed: .*broken\.jpg: not a readable image/)
    expect(c.progress).toEqual([]) // piped: quiet
    const list = captureIo(dir, env)
    expect(await main(['list', '--db', 'lib.db', '--json'], list.io)).toBe(0)
    const rows = list.out.map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(rows).toHaveLength(5)
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['id', 'paths', 'caption', 'provenance', 'status', 'error']))
      expect((r.paths as string[])[0]).toMatch(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/photos/`))
    }
    const broken = rows.find((r) => (r.paths as string[])[0]!.endsWith('broken.jpg'))!
    expect(broken).toMatchObject({ status: 'failed', error: expect.stringMatching(/^not a readable image/), caption: null, provenance: null })
    expect(rows.filter((r) => r.status === 'processing' && r.error === null)).toHaveLength(4)
    // The database is where --db says, not in the data folder.
    await expect(fs.stat(path.join(dir, 'lib.db'))).resolves.toBeTruthy()
    // Again, plus one new photo: only that one is added.
    await writeJpeg(path.join(dir, 'photos', 'later.jpg'), { seed: 500 })
    expect(await main(['index', 'photos', '--db', 'lib.db', '--no-ml'], captureIo(dir, env).io)).toBe(0)
    const again = captureIo(dir, env)
    await main(['list', '--db', 'lib.db', '--json'], again.io)
    expect(again.out.map((l) => (JSON.parse(l) as { id: number }).id)).toEqual([
      ...rows.map((r) => r.id as number),
      Math.max(...rows.map((r) => r.id as number)) + 1,
    ])
  })

  it('uses the application-data folder when --db is not given', async () => {
    const { dir, env } = await setup()
    expect(await main(['index', 'photos', '--no-ml'], captureIo(dir, env).io)).toBe(0)
    await expect(fs.stat(path.join(env.PHOTOCAP_DATA_DIR, 'library.db'))).resolves.toBeTruthy()
    const s = captureIo(dir, env)
    expect(await main(['status'], s.io)).toBe(0)
    expect(s.out.join('\n')).toContain(`library: ${path.join(env.PHOTOCAP_DATA_DIR, 'library.db')}`)
  })

  it('captions with the ML service, draws a progress bar on a terminal, and keeps a user caption set from the command line', async () => {
    const { dir } = await setup()
    // The tiny pack as the default pack: a data folder where it is already generated.
    const env = { PHOTOCAP_DATA_DIR: sharedTinyDataDir(), PHOTOCAP_ML_IN_PROCESS: '1' }
    const db = path.join(dir, 'lib.db')
    const tty = captureIo(dir, env, true)
    expect(await main(['index', 'photos', '--db', db], tty.io)).toBe(0)
    expect(tty.err).toContain(`photocap index: ${TINY_PACK_WARNING}`)
    const bars = tty.progress.join('')
    expect(bars).toMatch(/\[[#-]{24}\] \d+\/\d+ [\d.]+\/s ETA/)
    expect(tty.out.join('\n')).toMatch(/5 photos in the library: 4 captioned, 1 failed/)
    const target = path.join('photos', 'photo-00002.jpg')
    const set = captureIo(dir, env)
    expect(await main(['caption', 'set', target, 'A sunny afternoon', '--db', db], set.io)).toBe(0)
    const list = captureIo(dir, env)
    await main(['list', '--db', db, '--json'], list.io)
    const row = list.out
      .map((l) => JSON.parse(l) as { paths: string[]; caption: string; provenance: string })
      .find((r) => r.paths[0]!.endsWith('photo-00002.jpg'))!
    expect(row).toMatchObject({ caption: 'A sunny afternoon', provenance: 'user' })
    const others = list.out
      .map((l) => JSON.parse(l) as { provenance: string | null; status: string })
      .filter((r) => r.status === 'done' && r.provenance === 'auto')
    expect(others).toHaveLength(3)
    // Re-indexing keeps the user's words.
    expect(await main(['index', 'photos', '--db', db], captureIo(dir, env).io)).toBe(0)
    const after = captureIo(dir, env)
    await main(['list', '--db', db, '--json'], after.io)
    expect(after.out.some((l) => l.includes('"caption":"A sunny afternoon","provenance":"user"'))).toBe(true)
    const status = captureIo(dir, env)
    await main(['status', '--db', db], status.io)
    expect(status.out.join('\n')).toMatch(/captions: 1 by the user/)
    expect(status.out.join('\n')).toMatch(/broken\.jpg: not a readable image/)
  })

  it('explains bad usage', async () => {
    const { dir, env } = await setup()
    const c = captureIo(dir, env)
    expect(await main(['index'], c.io)).toBe(2)
    expect(c.err.join('\n')).toMatch(/no folder given/)
    const u = captureIo(dir, env)
    expect(await main(['index', 'photos', '--bogus'], u.io)).toBe(2)
    expect(u.err.join('\n')).toMatch(/Unknown option '--bogus'/)
    const m = captureIo(dir, env)
    expect(await main(['caption', 'set', 'photos/photo-00000.jpg', 'x', '--db', 'empty.db'], m.io)).toBe(1)
    expect(m.err.join('\n')).toMatch(/is not in the library/)
    const n = captureIo(dir, env)
    expect(await main(['index', 'no-such-folder', '--db', 'x.db', '--no-ml'], n.io)).toBe(1)
    expect(n.err.join('\n')).toMatch(/cannot add .*no-such-folder: no such folder/)
    const p = captureIo(dir, env)
    expect(await main(['index', 'photos', '--db', 'x.db', '--pack', 'no-such-pack'], p.io)).toBe(1)
    expect(p.err.join('\n')).toMatch(/no-such-pack.*does not exist/)
  })
})

describe('photocap watch', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`indexes files that appear and stops cleanly on ${signal}`, async () => {
      const { dir, env } = await setup()
      expect(await main(['index', 'photos', '--db', 'lib.db', '--no-ml'], captureIo(dir, env).io)).toBe(0)
      const child = spawn(process.execPath, [path.join(repo, 'bin/photocap.js'), 'watch', '--db', 'lib.db', '--no-ml'], {
        cwd: dir,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      let err = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr.on('data', (d: Buffer) => (err += d.toString()))
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      const waitFor = async (re: RegExp, what: string) => {
        const end = Date.now() + 60_000
        while (!re.test(out)) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stdout: ${out} stderr: ${err}`)
          await new Promise((r) => setTimeout(r, 50))
        }
      }
      await waitFor(/watching /, 'the watcher to start')
      await writeJpeg(path.join(dir, 'photos', 'arrived.jpg'), { seed: 321 })
      const end = Date.now() + 60_000
      for (;;) {
        const l = captureIo(dir, env)
        await main(['list', '--db', 'lib.db', '--json'], l.io)
        if (l.out.some((x) => x.includes('arrived.jpg') && x.includes('"status":"processing"'))) break
        if (Date.now() > end) throw new Error(`arrived.jpg never indexed; stderr: ${err}`)
        await new Promise((r) => setTimeout(r, 100))
      }
      child.kill(signal)
      expect(await exited).toBe(0)
      expect(err).toContain(`${signal}, stopping`)
    })
  }
})
