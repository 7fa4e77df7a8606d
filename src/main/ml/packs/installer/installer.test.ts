// The pack installer against a local HTTP server (127.0.0.1 only) serving a
// generated pack: resume after an interrupted download, size/sha256 refusal,
// atomic install, verify, remove — through `photocap models` where it matters.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../../cli/index.ts'
import type { CliIo } from '../../../cli/io.ts'
import { sharedTinyDataDir } from '../../pipeline/test-support.ts'
import { tinyPackDir } from '../tiny-pack.ts'
import { resolveDefaultPack } from '../default-pack.ts'
import { openPack } from '../pack.ts'
import { installPack } from './install.ts'
import { FakeHosts, TEST_CA, TEST_CA_FILE } from './test-support.ts'

let work: string
let source: string
let hosts: FakeHosts
let base: string
const policy = { extraCa: TEST_CA, backoffMs: 5 }
const ranges: string[] = []
/** path -> bytes after which the server drops the connection (once). */
const cutOnce = new Map<string, number>()

function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile() && !f.startsWith('.')).sort()
}

type TestFile = { path: string; urls: string[]; size: number | null; sha256: string | null; max_size?: number; trust_on_first_use?: true }
function writeManifest(dir: string, name: string, edit: (files: TestFile[]) => void = () => {}): void {
  const files: TestFile[] = listFiles(source).map((rel) => {
    const buf = fs.readFileSync(path.join(source, rel))
    return {
      path: rel.split(path.sep).join('/'),
      urls: [`https://example.invalid/${rel}`],
      size: buf.length,
      sha256: crypto.createHash('sha256').update(buf).digest('hex'),
    }
  })
  edit(files)
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ name, description: 'test pack', files }))
}

function captureIo(env: NodeJS.ProcessEnv): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), progress: () => {}, interactive: false, cwd: work, env }
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-install-'))
  source = tinyPackDir(sharedTinyDataDir())
  hosts = await FakeHosts.start()
  // PHOTOCAP_MODELS_BASE_URL mirror layout: /mirror/<pack>/<file path>
  hosts.intercept((req, res) => {
    const url = new URL(req.url ?? '/', 'https://x')
    if (!url.pathname.startsWith('/mirror/')) return false
    const [, , , ...rest] = url.pathname.split('/')
    const file = path.join(source, ...rest.map(decodeURIComponent))
    if (!file.startsWith(source) || !fs.existsSync(file)) {
      res.writeHead(404).end()
      return true
    }
    const buf = fs.readFileSync(file)
    const rel = rest.join('/')
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-length': buf.length }).end()
      return true
    }
    let start = 0
    const range = req.headers.range
    if (range) {
      ranges.push(`${rel} ${range}`)
      start = Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0)
      res.writeHead(206, { 'content-length': buf.length - start, 'content-range': `bytes ${start}-${buf.length - 1}/${buf.length}` })
    } else {
      res.writeHead(200, { 'content-length': buf.length })
    }
    const cut = cutOnce.get(rel)
    if (cut !== undefined) {
      cutOnce.delete(rel)
      res.write(buf.subarray(start, start + cut), () => res.destroy())
      return true
    }
    res.end(buf.subarray(start))
    return true
  }, Infinity)
  base = `${hosts.base}/mirror`
})

afterAll(async () => {
  await hosts.stop()
  fs.rmSync(work, { recursive: true, force: true })
})

describe('photocap models install', () => {
  it('resumes an interrupted download, installs atomically, lists, verifies and removes', async () => {
    const manifests = path.join(work, 'manifests-ok')
    writeManifest(manifests, 'test-pack')
    const dataDir = path.join(work, 'data-ok')
    const env = { PHOTOCAP_DATA_DIR: dataDir, PHOTOCAP_MODELS_BASE_URL: base, PHOTOCAP_MODELS_MANIFEST_DIR: manifests, PHOTOCAP_MODELS_CA_FILE: TEST_CA_FILE }
    cutOnce.set('gpt2/model.safetensors', 1_000_000)

    // The server drops the connection mid-body once: the install retries and resumes from the bytes on disk.
    const run = captureIo(env)
    expect(await main(['models', 'install', 'test-pack'], run), run.stderr.join('\n')).toBe(0)
    expect(run.stderr.join('\n')).toMatch(/gpt2\/model\.safetensors: (connection closed|.*aborted|.*socket hang up|.*ECONNRESET).*retrying in/)
    const resumedAt = ranges.map((r) => /^gpt2\/model\.safetensors bytes=(\d+)-$/.exec(r)?.[1]).find(Boolean)
    expect(Number(resumedAt)).toBeGreaterThan(0)
    expect(Number(resumedAt)).toBeLessThanOrEqual(1_000_000)
    expect(run.stdout[0]).toMatch(/installed test-pack .*, resumed \d+(\.\d)? (KiB|MiB)\)/)
    const dir = path.join(dataDir, 'models', 'test-pack')
    for (const rel of listFiles(source)) expect(fs.readFileSync(path.join(dir, rel)).equals(fs.readFileSync(path.join(source, rel))), rel).toBe(true)
    expect(openPack(dir).name).toBe('photocap-tiny-random')
    expect(resolveDefaultPack(dataDir, {})).toEqual({ dir, tiny: false })

    const list = captureIo(env)
    expect(await main(['models', 'list'], list)).toBe(0)
    expect(list.stdout[0]).toMatch(/^test-pack\tinstalled/)

    const again = captureIo(env)
    expect(await main(['models', 'install', 'test-pack'], again)).toBe(1)
    expect(again.stderr[0]).toMatch(/already installed .*--force/)

    const ok = captureIo(env)
    expect(await main(['models', 'verify'], ok)).toBe(0)
    expect(ok.stdout[0]).toMatch(/^test-pack: ok/)
    const mapping = path.join(dir, 'mapping', 'model.safetensors')
    const bytes = fs.readFileSync(mapping)
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff
    fs.writeFileSync(mapping, bytes)
    const bad = captureIo(env)
    expect(await main(['models', 'verify', 'test-pack'], bad)).toBe(1)
    expect(bad.stderr[0]).toBe(`photocap models verify: ${mapping}: sha256 mismatch`)

    const rm = captureIo(env)
    expect(await main(['models', 'remove', 'test-pack'], rm)).toBe(0)
    expect(fs.existsSync(dir)).toBe(false)
  })

  it('refuses a file whose sha256 or size differs from the manifest, and installs nothing', async () => {
    const manifests = path.join(work, 'manifests-bad')
    writeManifest(manifests, 'bad-sha', (files) => {
      files.find((f) => f.path === 'clip/config.json')!.sha256 = '0'.repeat(64)
    })
    writeManifest(manifests, 'bad-size', (files) => {
      files.find((f) => f.path === 'mapping/config.json')!.size = 5
    })
    const dataDir = path.join(work, 'data-bad')
    const opts = { dataDir, manifestDir: manifests, env: { PHOTOCAP_MODELS_BASE_URL: base }, policy }
    await expect(installPack('bad-sha', opts)).rejects.toThrow(/clip\/config\.json: sha256 mismatch \(got [0-9a-f]{64}, expected 0{64}\); the file was deleted/)
    await expect(installPack('bad-size', opts)).rejects.toThrow(/mapping\/config\.json: server offers \d+ bytes, the manifest says 5/)
    expect(fs.existsSync(path.join(dataDir, 'models', 'bad-sha'))).toBe(false)
    expect(fs.existsSync(path.join(dataDir, 'models', '.staging-bad-sha', 'clip', 'config.json'))).toBe(false)
    await expect(installPack('nope', opts)).rejects.toThrow(/unknown pack 'nope' \(known: bad-sha, bad-size\)/)
  })

  it('records sha256 on first download when the manifest does not know it', async () => {
    const manifests = path.join(work, 'manifests-unknown')
    writeManifest(manifests, 'unknown-sha', (files) => {
      for (const f of files) if (f.path.endsWith('.safetensors')) Object.assign(f, { sha256: null, size: null, max_size: 10_000_000, trust_on_first_use: true })
    })
    const dataDir = path.join(work, 'data-unknown')
    const r = await installPack('unknown-sha', { dataDir, manifestDir: manifests, env: { PHOTOCAP_MODELS_BASE_URL: base }, policy })
    expect(r.trustedOnFirstUse.map((t) => t.path).sort()).toEqual(['clip/model.safetensors', 'gpt2/model.safetensors', 'mapping/model.safetensors'])
    const marker = JSON.parse(fs.readFileSync(path.join(r.dir, '.photocap-installed.json'), 'utf8')) as { files: Record<string, { sha256: string }> }
    expect(marker.files['gpt2/model.safetensors']!.sha256).toBe(
      crypto
        .createHash('sha256')
        .update(fs.readFileSync(path.join(source, 'gpt2', 'model.safetensors')))
        .digest('hex'),
    )
  })

  it('the shipped manifests parse and point at the public sources', async () => {
    const { loadManifests } = await import('./manifest.ts')
    const names = loadManifests().map((m) => m.name)
    expect(names).toEqual(['clipcap-coco-vitb32', 'clipcap-conceptual-vitb32', 'clipcap-transformer-rn50x4'])
  })
})
