// `photocap versions` offers what the API's training.info / training.activate
// do for a person scripting: list the trained versions, activate one (or the
// pack), revert; settings.activePack follows, and what cannot be activated is
// refused with a reason.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../../engine/db/database.ts'
import { readSettings } from '../../engine/settings.ts'
import { createVersion, finishVersion, listVersions } from '../../engine/training/versions.ts'
import { main } from '../index.ts'
import { captureIo as capturedIn } from '../../../../test/helpers/cli-io.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-versions-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const captureIo = () => capturedIn(dir, { PHOTOCAP_DATA_DIR: path.join(dir, 'appdata') })

async function cli(...args: string[]) {
  const c = captureIo()
  const code = await main(['versions', ...args, '--db', path.join(dir, 'lib.db')], c.io)
  return { code, out: c.out.join('\n'), err: c.err.join('\n') }
}

describe('photocap versions', () => {
  it('is listed by photocap --help', async () => {
    const c = captureIo()
    expect(await main(['--help'], c.io)).toBe(0)
    expect(c.out.join('\n')).toMatch(/^\s+versions\s+list trained model versions, activate one or revert$/m)
  })

  it('lists, activates a version, goes back to the pack and reverts, as training.activate does', async () => {
    const db = openDatabase(path.join(dir, 'lib.db'))
    const mk = (name: string) =>
      createVersion(db, { name, basePack: '/packs/base', packDir: path.join(dir, name), checkpointDir: path.join(dir, name, 'checkpoint'), params: {} })
    const a = mk('first')
    finishVersion(db, a.id, { metrics: {} })
    const b = mk('second')
    finishVersion(db, b.id, { error: 'training diverged' })
    db.close()

    const listed = await cli('--json')
    expect(listed.code).toBe(0)
    expect(listed.out.split('\n').map((l) => JSON.parse(l) as { id: number; state: string; active: boolean })).toMatchObject([
      { id: a.id, state: 'ready', active: false },
      { id: b.id, state: 'failed', active: false },
    ])

    expect(await cli('activate', String(a.id))).toMatchObject({ code: 0, out: `model version ${a.id} (first) is active: new captions use it` })
    const check = openDatabase(path.join(dir, 'lib.db'))
    expect(readSettings(check).activePack).toBe(path.join(dir, 'first'))
    expect(listVersions(check).find((v) => v.id === a.id)?.active).toBe(true)
    check.close()
    expect((await cli('list')).out).toContain(`${a.id}\tready, active\t`)

    // A failed version cannot be used; the reason says so.
    const refused = await cli('activate', String(b.id))
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(/only an evaluated \(ready\) version can be activated/)

    expect(await cli('revert')).toMatchObject({ code: 0, out: 'back to the model pack (the default)' })
    expect((await cli('revert')).err).toMatch(/nothing to revert/)
    await cli('activate', String(a.id))
    expect(await cli('activate', 'pack')).toMatchObject({ code: 0, out: 'using the model pack (no trained version)' })
    const after = openDatabase(path.join(dir, 'lib.db'))
    expect(readSettings(after).activePack).toBe(null)
    after.close()

    expect((await cli('activate')).code).toBe(2)
    expect((await cli('bogus')).code).toBe(2)
    const notAnId = await cli('activate', 'abc')
    expect([notAnId.code, notAnId.err]).toEqual([2, expect.stringMatching(/'abc' is not a version id/)])
  })
})
