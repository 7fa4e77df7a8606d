// The desktop app sets PHOTOCAP_MIGRATIONS_DIR and PHOTOCAP_MODELS_MANIFEST_DIR
// after the engine's modules are loaded (they share a chunk evaluated first), so
// the engine must read both at call time. These run the real loaders.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { loadMigrations } from '../engine/db/migrate.ts'
import { loadManifests } from '../ml/packs/installer/manifest.ts'
import { applyResourceEnv, resourceDirs } from './resource-dirs.ts'

const saved = { m: process.env.PHOTOCAP_MIGRATIONS_DIR, p: process.env.PHOTOCAP_MODELS_MANIFEST_DIR }
afterEach(() => {
  for (const [k, v] of [
    ['PHOTOCAP_MIGRATIONS_DIR', saved.m],
    ['PHOTOCAP_MODELS_MANIFEST_DIR', saved.p],
  ] as const) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
})

describe('applyResourceEnv', () => {
  it('sets both variables, keeping any the user already set', () => {
    const env: NodeJS.ProcessEnv = { PHOTOCAP_MIGRATIONS_DIR: '/mine' }
    applyResourceEnv(env, { modelsManifestDir: '/r/models', migrationsDir: '/r/migrations' })
    expect(env).toEqual({ PHOTOCAP_MIGRATIONS_DIR: '/mine', PHOTOCAP_MODELS_MANIFEST_DIR: '/r/models' })
  })

  it('the engine reads the folders set after it was loaded, as in the packaged layout', () => {
    const res = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-resources-'))
    try {
      const dirs = resourceDirs({ packaged: true, resourcesPath: res, appPath: path.join(res, 'app.asar') })
      fs.mkdirSync(dirs.migrationsDir)
      fs.mkdirSync(dirs.modelsManifestDir)
      fs.writeFileSync(path.join(dirs.migrationsDir, '0001-only.sql'), 'CREATE TABLE t (x);')
      fs.writeFileSync(
        path.join(dirs.modelsManifestDir, 'tiny.json'),
        JSON.stringify({
          name: 'tiny',
          description: 'd',
          files: [{ path: 'pack.json', urls: ['https://example.org/pack.json'], size: null, max_size: 4096, sha256: null, trust_on_first_use: true }],
        }),
      )
      delete process.env.PHOTOCAP_MIGRATIONS_DIR
      delete process.env.PHOTOCAP_MODELS_MANIFEST_DIR
      applyResourceEnv(process.env, dirs)
      expect(loadMigrations().map((m) => m.name)).toEqual(['only'])
      expect(loadManifests().map((m) => m.name)).toEqual(['tiny'])
    } finally {
      fs.rmSync(res, { recursive: true, force: true })
    }
  })
})
