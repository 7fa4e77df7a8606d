// The contract test of the reference packs: for the reference packs in
// ../shared/reference/packs, `photocap caption --pack` prints every expected.json
// case's greedy and beam tokens (each case the generator marked stable under
// sharp preprocessing), from mapping/model.safetensors and from clipcap.pt alike;
// `photocap embed` gives the expected image embeddings. Runs the CLI through
// main() with a captured CliIo. The packs hold third-party vocabulary files, so
// they are read from the shared reference folder and never copied into the repo.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../cli/index.ts'
import type { CliIo } from '../../cli/io.ts'
import { readSafetensors, writeSafetensors } from '../weights/safetensors.ts'
import { parseGpt2Config, readJsonFile } from '../models/config.ts'
import { gpt2WeightSpec } from '../models/weight-names.ts'
import { randomWeights } from '../packs/random-pack.ts'

const REPO = fileURLToPath(new URL('../../../../', import.meta.url))
const PACKS = path.resolve(REPO, '..', 'shared', 'reference', 'packs')
const present = fs.existsSync(path.join(PACKS, 'mlp', 'pack.json')) && fs.existsSync(path.join(PACKS, 'transformer', 'pack.json'))
if (!present) console.warn(`skipping the reference-pack CLI tests: ${PACKS} is absent (it holds third-party vocabularies and is not part of the repository)`)
// The paper's third model on a ResNet CLIP tower (open_clip files in clip/, no config.json).
const rnPresent = fs.existsSync(path.join(PACKS, 'transformer-rn', 'pack.json'))
if (!rnPresent) console.warn(`skipping the ResNet reference-pack CLI tests: ${path.join(PACKS, 'transformer-rn')} is absent`)

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-cli-golden-'))
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

export function captureIo(env: NodeJS.ProcessEnv, cwd = work): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t), progress: () => {}, interactive: false, cwd, env }
}

interface ExpectedCase {
  id: string
  image_from_pack_dir: string
  greedy: { tokens: number[] }
  beam: { beams_sorted_by_score: { tokens: number[] }[] }
  checks_from_generator: { sharp_cubic_preprocessing_same_greedy: boolean; sharp_cubic_preprocessing_same_best_beam: boolean }
  /** ResNet packs: the resize/crop the reference did (even a 224 px file is resampled to 64 px). */
  geometry?: { resize_skipped: boolean }
}

const withoutStop = (t: number[]): number[] => (t[t.length - 1] === 13 ? t.slice(0, -1) : t)

/** A copy of the reference pack with only one mapping weights file present. */
function packVariant(kind: string, keep: 'model.safetensors' | 'clipcap.pt'): string {
  const dir = path.join(work, `${kind}-${keep}`)
  if (!fs.existsSync(dir)) {
    fs.cpSync(path.join(PACKS, kind), dir, { recursive: true })
    for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) fs.chmodSync(path.join(dir, f), 0o755)
    fs.rmSync(path.join(dir, 'mapping', keep === 'clipcap.pt' ? 'model.safetensors' : 'clipcap.pt'))
    if (kind === 'mlp' && keep === 'clipcap.pt') {
      // The MLP checkpoint carries its tuned GPT-2 ("MLP + GPT-2 tuning"): it must
      // override gpt2/. Replace gpt2/'s weights with unrelated random ones; the
      // expected captions can then only come out if the override works.
      const cfg = parseGpt2Config(readJsonFile(path.join(dir, 'gpt2', 'config.json')))
      const names = new Map([...randomWeights(gpt2WeightSpec(cfg), 99, 0.3)].map(([k, v]) => [`transformer.${k}`, v]))
      writeSafetensors(path.join(dir, 'gpt2', 'model.safetensors'), names)
    }
  }
  return dir
}

const env = { PHOTOCAP_DATA_DIR: path.join(work, 'data') }

const kinds = [...(present ? ['mlp', 'transformer'] : []), ...(rnPresent ? ['transformer-rn'] : [])]

describe.skipIf(kinds.length === 0).each(kinds.length ? kinds : ['none'])('reference pack %s through the CLI', (kind) => {
  const expected = kinds.includes(kind)
    ? (JSON.parse(fs.readFileSync(path.join(PACKS, kind, 'expected.json'), 'utf8')) as { cases: ExpectedCase[] })
    : { cases: [] }
  const imageOf = (c: ExpectedCase): string => path.resolve(PACKS, kind, c.image_from_pack_dir)

  it.each(['model.safetensors', 'clipcap.pt'] as const)('caption prints the expected greedy and beam tokens (mapping from %s)', async (keep) => {
    const pack = packVariant(kind, keep)
    const greedyCases = expected.cases.filter((c) => c.checks_from_generator.sharp_cubic_preprocessing_same_greedy)
    const beamCases = expected.cases.filter((c) => c.checks_from_generator.sharp_cubic_preprocessing_same_best_beam)
    expect(greedyCases.length + beamCases.length).toBeGreaterThan(0)

    const g = captureIo(env)
    expect(await main(['caption', '--pack', pack, '--json', '--provider', 'cpu', ...greedyCases.map(imageOf)], g), g.stderr.join('\n')).toBe(0)
    const greedy = g.stdout.map((l) => JSON.parse(l) as { path: string; caption: string; tokens: number[] })
    expect(greedy.map((r) => r.path)).toEqual(greedyCases.map(imageOf))
    greedy.forEach((r, i) => expect(r.tokens, greedyCases[i]!.id).toEqual(withoutStop(greedyCases[i]!.greedy.tokens)))

    const b = captureIo(env)
    expect(await main(['caption', '--pack', pack, '--decode', 'beam', '--beam-size', '5', '--json', ...beamCases.map(imageOf)], b), b.stderr.join('\n')).toBe(0)
    const beam = b.stdout.map((l) => JSON.parse(l) as { tokens: number[] })
    beam.forEach((r, i) => expect(r.tokens, beamCases[i]!.id).toEqual(withoutStop(beamCases[i]!.beam.beams_sorted_by_score[0]!.tokens)))
  })

  it.skipIf(kind !== 'transformer-rn')(
    'a paper-style frozen-GPT-2 checkpoint (gpt.* equal to gpt2/, attn.bias/masked_bias buffers) gives the same captions; a differing gpt.* is used',
    async () => {
      const dir = packVariant(kind, 'model.safetensors')
      const frozen = path.join(work, `${kind}-frozen-gpt`)
      fs.cpSync(dir, frozen, { recursive: true })
      const gptCfg = parseGpt2Config(readJsonFile(path.join(frozen, 'gpt2', 'config.json')))
      const n = gptCfg.nPositions
      const tensors = new Map(readSafetensors(path.join(frozen, 'mapping', 'model.safetensors')))
      const gpt2 = readSafetensors(path.join(frozen, 'gpt2', 'model.safetensors'))
      for (const [k, t] of gpt2) tensors.set(`gpt.${k}`, t)
      tensors.set('gpt.lm_head.weight', gpt2.get('transformer.wte.weight')!)
      const tril = new Uint8Array(n * n).map((_, i) => (i % n <= Math.floor(i / n) ? 1 : 0))
      for (let i = 0; i < gptCfg.nLayer; i++) {
        tensors.set(`gpt.transformer.h.${i}.attn.bias`, { dtype: 'uint8', shape: [1, 1, n, n], data: tril })
        tensors.set(`gpt.transformer.h.${i}.attn.masked_bias`, { dtype: 'float32', shape: [], data: Float32Array.of(-1e4) })
      }
      writeSafetensors(path.join(frozen, 'mapping', 'model.safetensors'), tensors)
      const c = expected.cases.find((x) => x.checks_from_generator.sharp_cubic_preprocessing_same_greedy)!
      const io = captureIo(env)
      expect(await main(['caption', '--pack', frozen, '--json', '--provider', 'cpu', imageOf(c)], io), io.stderr.join('\n')).toBe(0)
      expect((JSON.parse(io.stdout[0]!) as { tokens: number[] }).tokens).toEqual(withoutStop(c.greedy.tokens))

      const { openPack } = await import('../packs/pack.ts')
      const { loadMappingAndGpt2Weights } = await import('../packs/pack-weights.ts')
      expect((await loadMappingAndGpt2Weights(openPack(frozen))).gpt2Source).toBe(path.join(frozen, 'gpt2', 'model.safetensors'))
      const wpe = tensors.get('gpt.transformer.wpe.weight')!
      tensors.set('gpt.transformer.wpe.weight', { ...wpe, data: (wpe.data as Float32Array).map((x) => x + 0.5) })
      writeSafetensors(path.join(frozen, 'mapping', 'model.safetensors'), tensors)
      expect((await loadMappingAndGpt2Weights(openPack(frozen))).gpt2Source).toBe(path.join(frozen, 'mapping', 'model.safetensors'))
    },
  )

  it('embed gives the expected image embeddings', async () => {
    const tensors = readSafetensors(path.join(PACKS, kind, 'expected.safetensors'))
    const io = captureIo(env)
    expect(
      await main(['embed', '--pack', packVariant(kind, 'model.safetensors'), '--json', '--image', ...expected.cases.map(imageOf)], io),
      io.stderr.join('\n'),
    ).toBe(0)
    const rows = io.stdout.map((l) => JSON.parse(l) as { input: string; embedding: number[] })
    expect(rows).toHaveLength(expected.cases.length)
    rows.forEach((r, i) => {
      const c = expected.cases[i]!
      const want = tensors.get(`${c.id}.image_embeds`)!.data as Float32Array
      expect(r.embedding).toHaveLength(want.length)
      if (c.geometry ? c.geometry.resize_skipped : c.id.startsWith('exact_')) {
        // No resampling: the pixels are the golden ones, so the model tolerance applies.
        r.embedding.forEach((x, j) => expect(Math.abs(x - want[j]!), `${c.id}[${j}]`).toBeLessThanOrEqual(1e-4 + 1e-4 * Math.abs(want[j]!)))
        return
      }
      // Resized images: sharp's Catmull-Rom lands a few grey levels from Pillow's
      // bicubic on some pixels, which moves these tiny random
      // embeddings by up to ~1.2% of their largest entry (measured).
      const maxAbs = Math.max(...Array.from(want, Math.abs))
      let dot = 0
      let na = 0
      let nb = 0
      r.embedding.forEach((x, j) => {
        expect(Math.abs(x - want[j]!), `${c.id}[${j}]`).toBeLessThanOrEqual(0.02 * maxAbs)
        dot += x * want[j]!
        na += x * x
        nb += want[j]! * want[j]!
      })
      expect(dot / Math.sqrt(na * nb), `${c.id} cosine`).toBeGreaterThan(0.9995)
    })
  })
})
