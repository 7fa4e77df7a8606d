// A pack with a ResNet CLIP tower (open_clip files in clip/) end to end through
// the CLI, on a tiny random pack of our own: the loader prefers
// open_clip_config.json over a timm config.json lying next to it, embeddings
// have the tower's embed_dim, captions come out, and `photocap train
// --mapping transformer --prefix-length 40` trains a mapper whose input width is
// the tower's embed_dim.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../cli/index.ts'
import type { CliIo } from '../../cli/io.ts'
import { readSafetensors, writeSafetensors } from '../weights/safetensors.ts'
import { parseMappingConfig } from '../models/config.ts'
import { parseOpenClipConfig } from '../models/open-clip-config.ts'
import { loadManifest } from './installer/manifest.ts'
import { packJsonSchema } from './pack-json.ts'
import { openPack } from './pack.ts'
import { TINY_RN_PACK_SPEC, writeRandomPack } from './random-pack.ts'

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'photocap-rn-pack-'))
const pack = path.join(work, 'pack')
const images = path.join(work, 'images')
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

function cli(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return {
    stdout,
    stderr,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    progress: () => {},
    interactive: false,
    cwd: work,
    env: { PHOTOCAP_DATA_DIR: path.join(work, 'data') },
  }
}

beforeAll(async () => {
  writeRandomPack(pack, TINY_RN_PACK_SPEC)
  // What timm/resnet50x4_clip.openai also holds: timm's image-only config and weights. Never a CLIP config.
  fs.writeFileSync(path.join(pack, 'clip', 'config.json'), JSON.stringify({ architecture: 'resnet50x4_clip', num_classes: 640, pretrained_cfg: {} }))
  writeSafetensors(path.join(pack, 'clip', 'model.safetensors'), { 'stem.conv1.weight': { dtype: 'float32', shape: [1], data: Float32Array.of(1) } })
  fs.mkdirSync(images)
  const colours = [
    [200, 30, 30],
    [30, 200, 30],
    [30, 30, 200],
    [220, 220, 40],
  ] as const
  for (const [i, [r, g, b]] of colours.entries()) {
    await sharp({ create: { width: 96 + 16 * i, height: 80, channels: 3, background: { r, g, b } } })
      .png()
      .toFile(path.join(images, `p${i}.png`))
  }
  const lines = colours.map((_, i) =>
    JSON.stringify({ image: `images/p${i}.png`, caption: ['a red square.', 'a green field.', 'the blue sea.', 'a yellow wall.'][i] }),
  )
  fs.writeFileSync(path.join(work, 'data.jsonl'), lines.join('\n') + '\n')
})

describe('a pack with a ResNet CLIP tower', () => {
  it('opens from open_clip_config.json (not timm config.json) with open_clip_model.safetensors, at the config image size', () => {
    const p = openPack(pack)
    expect(p.clip.format).toBe('open_clip')
    expect(path.basename(p.clip.configPath)).toBe('open_clip_config.json')
    expect(path.basename(p.clip.weightsPath)).toBe('open_clip_model.safetensors')
    expect(p.clip.config.vision).toMatchObject({ architecture: 'resnet', imageSize: 64, width: 16, layers: [1, 1, 1, 1] })
    expect(p.imageSize).toBe(64)
    expect(p.clip.config.projectionDim).toBe(24)
  })

  it('embeds images and text with the tower embed_dim and captions images', async () => {
    const files = fs.readdirSync(images).map((f) => path.join(images, f))
    const e = cli()
    expect(await main(['embed', '--pack', pack, '--json', '--image', ...files], e), e.stderr.join('\n')).toBe(0)
    const rows = e.stdout.map((l) => JSON.parse(l) as { embedding: number[] })
    expect(rows.map((r) => r.embedding.length)).toEqual(files.map(() => 24))
    expect(rows.every((r) => r.embedding.every(Number.isFinite))).toBe(true)
    expect(rows[0]!.embedding).not.toEqual(rows[1]!.embedding)
    const t = cli()
    expect(await main(['embed', '--pack', pack, '--json', '--text', 'a red square'], t), t.stderr.join('\n')).toBe(0)
    expect((JSON.parse(t.stdout[0]!) as { embedding: number[] }).embedding).toHaveLength(24)
    const c = cli()
    expect(await main(['caption', '--pack', pack, '--json', '--provider', 'cpu', files[0]!], c), c.stderr.join('\n')).toBe(0)
    expect((JSON.parse(c.stdout[0]!) as { tokens: number[] }).tokens.length).toBeGreaterThan(0)
  })

  it('photocap train --mapping transformer --prefix-length 40 trains a mapper on the tower embed_dim', async () => {
    const c = cli()
    const code = await main(
      [
        'train',
        '--data',
        'data.jsonl',
        '--pack',
        pack,
        '--out',
        'out',
        '--mapping',
        'transformer',
        '--prefix-length',
        '40',
        '--init',
        'scratch',
        '--steps',
        '2',
        '--batch-size',
        '2',
        '--lr',
        '0.001',
        '--warmup',
        '1',
        '--no-shuffle',
      ],
      c,
    )
    expect(c.stderr.join('\n')).not.toMatch(/error/i)
    expect(code).toBe(0)
    expect(c.stdout.map((l) => (JSON.parse(l) as { step: number }).step)).toEqual([0, 1])
    const cfg = JSON.parse(fs.readFileSync(path.join(work, 'out', 'mapping', 'config.json'), 'utf8')) as Record<string, unknown>
    expect(cfg).toMatchObject({ type: 'transformer', prefix_length: 40, clip_dim: 24 })
    const w = readSafetensors(path.join(work, 'out', 'mapping', 'model.safetensors'))
    expect(w.get('clip_project.linear.weight')!.shape).toEqual([40 * 32, 24])
    expect(w.get('clip_project.prefix_const')!.shape).toEqual([40, 32])
  })
})

describe('the clipcap-transformer-rn50x4 manifest', () => {
  it("describes the paper's transformer model on RN50x4: 288 px open_clip files, mapping input 640, prefix 40, frozen GPT-2", () => {
    const m = loadManifest(path.resolve(import.meta.dirname, '../../../../resources/models/clipcap-transformer-rn50x4.json'))
    const content = (p: string): Record<string, unknown> => (m.files.find((f) => f.path === p) as { content: Record<string, unknown> }).content
    const pack = packJsonSchema.parse(content('pack.json'))
    expect(pack).toMatchObject({ image_size: 288, clip_format: 'open_clip', mapping_weights: 'transformer_weights.pt' })
    const mapping = parseMappingConfig(content('mapping/config.json'))
    expect(mapping).toMatchObject({ type: 'transformer', prefixLength: 40, clipLength: 40, numLayers: 8, clipDim: 640, prefixDim: 768, normalizePrefix: true })
    // open_clip model_configs/RN50x4.json: the sizes the manifest's mapping must fit
    const rn50x4 = parseOpenClipConfig({
      model_cfg: {
        embed_dim: 640,
        quick_gelu: true,
        vision_cfg: { image_size: 288, layers: [4, 6, 10, 6], width: 80, patch_size: null },
        text_cfg: { context_length: 77, vocab_size: 49408, width: 640, heads: 10, layers: 12 },
      },
    })
    expect(rn50x4.projectionDim).toBe(mapping.clipDim)
    expect(rn50x4.vision).toEqual({ architecture: 'resnet', imageSize: pack.image_size, layers: [4, 6, 10, 6], width: 80, heads: 40 })
    const paths = m.files.map((f) => f.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'clip/open_clip_config.json',
        'clip/open_clip_model.safetensors',
        'clip/vocab.json',
        'clip/merges.txt',
        'gpt2/model.safetensors',
        'mapping/transformer_weights.pt',
      ]),
    )
    expect(paths).not.toContain('clip/config.json')
  })
})
