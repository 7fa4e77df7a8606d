// The app's pack install (the API's `install` state) against a local
// Hugging Face-like server: the download size is known before it starts,
// progress carries the rate, the pack's trusted-on-first-use file is reported
// once installed, and a cancelled install keeps its part files.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sharedTinyDataDir } from '../ml/pipeline/test-support.ts'
import { tinyPackDir } from '../ml/packs/tiny-pack.ts'
import { FakeHosts, TEST_CA_FILE } from '../ml/packs/installer/test-support.ts'
import { createPackInstalls, knownPacksSafe, packSizeFields, trustedFiles, type InstallState } from './pack-installs.ts'

let hosts: FakeHosts
let work: string
const saved = { ...process.env }

beforeAll(async () => {
  hosts = await FakeHosts.start()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-app-install-'))
  const tiny = tinyPackDir(sharedTinyDataDir())
  const files = (fs.readdirSync(tiny, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(tiny, f)).isFile() && !path.basename(f).startsWith('.'))
    .map((rel) => {
      const buf = fs.readFileSync(path.join(tiny, rel))
      const p = rel.split(path.sep).join('/')
      const url = hosts.addHf('org/tiny', 'e'.repeat(40), p, buf)
      return p === 'mapping/model.safetensors'
        ? { path: p, urls: [url], size: null, max_size: 10_000_000, sha256: null, trust_on_first_use: true }
        : { path: p, urls: [url], size: buf.length, sha256: crypto.createHash('sha256').update(buf).digest('hex') }
    })
  const manifests = path.join(work, 'manifests')
  fs.mkdirSync(manifests)
  fs.writeFileSync(path.join(manifests, 'app-tiny.json'), JSON.stringify({ name: 'app-tiny', description: 'tiny, through the app', files }))
  process.env.PHOTOCAP_MODELS_MANIFEST_DIR = manifests
  process.env.PHOTOCAP_MODELS_CA_FILE = TEST_CA_FILE
})

afterAll(async () => {
  process.env = saved
  await hosts.stop()
  fs.rmSync(work, { recursive: true, force: true })
})

function waitFor(installs: ReturnType<typeof createPackInstalls>, states: InstallState['state'][]): Promise<InstallState> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      const s = installs.state()
      if (s && states.includes(s.state)) {
        clearInterval(t)
        resolve(s)
      }
    }, 20)
  })
}

describe('installing a pack from the app', () => {
  it('states the size before, reports progress, and marks the trusted-on-first-use file after', async () => {
    const dataDir = path.join(work, 'data')
    const before = knownPacksSafe(dataDir).find((p) => p.name === 'app-tiny')!
    expect(packSizeFields(before)).toEqual({
      sizeBytes: before.download.knownBytes,
      sizeExact: false,
      sizeAtMostBytes: before.download.knownBytes + 10_000_000,
    })
    expect(before.download.knownBytes).toBeGreaterThan(1_000_000)

    const installs = createPackInstalls({ dataDir, onChange: () => {} })
    installs.start('app-tiny')
    const done = await waitFor(installs, ['done', 'failed'])
    expect(done.error).toBeNull()
    expect(done.state).toBe('done')
    expect(done.receivedBytes).toBe(done.totalBytes)
    const dir = path.join(dataDir, 'models', 'app-tiny')
    expect(trustedFiles(dir)).toEqual([
      {
        path: 'mapping/model.safetensors',
        sha256: crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(dir, 'mapping', 'model.safetensors')))
          .digest('hex'),
      },
    ])
  })

  it('cancel: state "cancelled", part files kept', async () => {
    const dataDir = path.join(work, 'data-cancel')
    const big = fs.readFileSync(path.join(tinyPackDir(sharedTinyDataDir()), 'gpt2', 'model.safetensors'))
    const sha = crypto.createHash('sha256').update(big).digest('hex')
    hosts.intercept((req, res) => {
      if (req.url !== `/cdn/${sha}` || req.method !== 'GET') return false
      res.writeHead(200, { 'content-length': String(big.length) })
      res.write(big.subarray(0, 1000)) // then hangs until cancelled
      return true
    })
    const installs = createPackInstalls({ dataDir, onChange: () => {} })
    installs.start('app-tiny')
    const staging = path.join(dataDir, 'models', '.staging-app-tiny')
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        const st = installs.state()
        if (st?.state !== 'running' || fs.existsSync(path.join(staging, 'gpt2', 'model.safetensors.part'))) {
          clearInterval(t)
          resolve()
        }
      }, 20)
    })
    installs.cancel()
    const s = await waitFor(installs, ['cancelled', 'failed'])
    expect(s.state).toBe('cancelled')
    const parts = (fs.readdirSync(staging, { recursive: true }) as string[]).filter((f) => f.endsWith('.part'))
    expect(parts.length).toBe(1)
    hosts.clearIntercepts()
  })
})
