import { describe, expect, it } from 'vitest'
import type { HostTensor } from '../weights/tensor.ts'
import { parseClipConfig, parseGpt2Config, parseMappingConfig, readJsonFile } from './config.ts'
import { buildGpt2DecoderGraph } from './gpt2.ts'
import { allcloseReport, f32Tensor, golden, i64Tensor, openGraph, readGolden, tensor } from './testing/golden.ts'
import { normalizeClipWeights, normalizeGpt2Weights, normalizeMappingWeights, splitClipcapCheckpoint, type WeightMap } from './weight-names.ts'

const gpt2Cfg = parseGpt2Config(readJsonFile(golden('gpt2_tiny', 'config.json')))
const prefixed = readGolden('gpt2_tiny', 'model.safetensors')

/** The real Hub layout: bare GPT2Model names plus the float32 h.{i}.attn.bias causal-mask buffers. */
function hubLayout(): WeightMap {
  const out: WeightMap = new Map()
  const n = gpt2Cfg.nPositions
  const mask = new Float32Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) mask[i * n + j] = 1
  for (const [k, t] of prefixed) out.set(k.replace(/^transformer\./, ''), t)
  for (let i = 0; i < gpt2Cfg.nLayer; i++) out.set(`h.${i}.attn.bias`, { dtype: 'float32', shape: [1, 1, n, n], data: mask })
  return out
}

describe('GPT-2 weight names', () => {
  it('the Hub layout (bare names + attn.bias buffers) gives the same weights and the same logits', async () => {
    const a = normalizeGpt2Weights(prefixed, gpt2Cfg, 'prefixed')
    const b = normalizeGpt2Weights(hubLayout(), gpt2Cfg, 'hub')
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort())
    expect(b.has('h.0.attn.bias')).toBe(false)
    const session = await openGraph(buildGpt2DecoderGraph(b, gpt2Cfg))
    const cases = readGolden('gpt2_tiny', 'cases.safetensors')
    const ids = tensor(cases, 'a.input_ids')
    const T = ids.shape[1]!
    const d = gpt2Cfg.nEmbd / gpt2Cfg.nHead
    const feeds: Record<string, ReturnType<typeof f32Tensor>> = {
      prefix_embeds: f32Tensor(new Float32Array(0), [2, 0, gpt2Cfg.nEmbd]),
      input_ids: i64Tensor(ids.data as BigInt64Array, [2, T]),
      attention_mask: i64Tensor(new Array(2 * T).fill(1), [2, T]),
      position_ids: i64Tensor([...Array(T).keys(), ...Array(T).keys()], [2, T]),
      cache_order: i64Tensor([0, 1], [2]),
      top_k: i64Tensor([1], [1]),
    }
    for (let i = 0; i < gpt2Cfg.nLayer; i++) {
      feeds[`past.${i}.key`] = f32Tensor(new Float32Array(0), [2, gpt2Cfg.nHead, 0, d])
      feeds[`past.${i}.value`] = f32Tensor(new Float32Array(0), [2, gpt2Cfg.nHead, 0, d])
    }
    const out = await session.run(feeds)
    expect(allcloseReport(out.logits!.data as Float32Array, out.logits!.dims, tensor(cases, 'a.logits_last'), 1e-4, 1e-4)).toBeNull()
  })

  it('a ClipCap checkpoint: gpt.transformer.* names, uint8 attn.bias, masked_bias, tied lm_head are accepted', () => {
    const ckpt: WeightMap = new Map()
    for (const [k, t] of prefixed) ckpt.set(`gpt.${k}`, t)
    ckpt.set('gpt.transformer.h.0.attn.bias', { dtype: 'uint8', shape: [1, 1, 2, 2], data: Uint8Array.from([1, 0, 1, 1]) })
    ckpt.set('gpt.transformer.h.0.attn.masked_bias', { dtype: 'float32', shape: [], data: Float32Array.from([-1e4]) })
    ckpt.set('gpt.lm_head.weight', prefixed.get('transformer.wte.weight')!)
    ckpt.set('clip_project.model.0.weight', { dtype: 'float32', shape: [1], data: new Float32Array(1) })
    const { gpt2, mapping } = splitClipcapCheckpoint(ckpt)
    expect([...mapping.keys()]).toEqual(['clip_project.model.0.weight'])
    const w = normalizeGpt2Weights(gpt2!, gpt2Cfg, 'clipcap.pt')
    expect(w.get('wte.weight')).toBe(prefixed.get('transformer.wte.weight'))
  })

  it('names the file and the tensor when one is missing or misshaped', () => {
    const missing = new Map(prefixed)
    missing.delete('transformer.ln_f.bias')
    expect(() => normalizeGpt2Weights(missing, gpt2Cfg, 'gpt2/model.safetensors')).toThrow('gpt2/model.safetensors: missing GPT-2 tensor ln_f.bias')
    const bad = new Map(prefixed)
    const w = prefixed.get('transformer.h.0.attn.c_attn.weight')!
    bad.set('transformer.h.0.attn.c_attn.weight', { ...w, shape: [96, 32] }) // nn.Linear layout instead of Conv1D
    expect(() => normalizeGpt2Weights(bad, gpt2Cfg, 'gpt2/model.safetensors')).toThrow(
      'gpt2/model.safetensors: GPT-2 tensor transformer.h.0.attn.c_attn.weight has shape [96,32], expected [32,96] from the config',
    )
  })

  it('rejects an untied lm_head and unexpected tensors (config of another size)', () => {
    const untied = new Map(prefixed)
    const wte = prefixed.get('transformer.wte.weight')!
    const other = Float32Array.from(wte.data as Float32Array)
    other[5] = other[5]! + 1
    untied.set('lm_head.weight', { ...wte, data: other })
    expect(() => normalizeGpt2Weights(untied, gpt2Cfg, 'x.safetensors')).toThrow(/lm_head.weight differs from wte.weight/)
    // The file's own layer count is checked before a name list is built from the config.
    expect(() => normalizeGpt2Weights(prefixed, { ...gpt2Cfg, nLayer: 1 }, 'x.safetensors')).toThrow(
      /x\.safetensors: the config says n_layer = 1, but the GPT-2 weights have 2 layers/,
    )
    expect(() => normalizeGpt2Weights(prefixed, { ...gpt2Cfg, nLayer: 10_000_000 }, 'x.safetensors')).toThrow(
      /n_layer = 10000000, but the GPT-2 weights have 2 layers/,
    )
  })
})

describe('CLIP and mapping weight names', () => {
  it('CLIP: position_ids buffers are ignored, the towers can be checked separately', () => {
    const cfg = parseClipConfig(readJsonFile(golden('clip_tiny', 'config.json')))
    const raw = readGolden('clip_tiny', 'model.safetensors')
    expect(raw.has('text_model.embeddings.position_ids')).toBe(true)
    const all = normalizeClipWeights(raw, cfg, 'clip/model.safetensors')
    expect(all.has('text_model.embeddings.position_ids')).toBe(false)
    expect(all.has('logit_scale')).toBe(true)
    const visionOnly = new Map([...raw].filter(([k]) => !k.startsWith('text')))
    expect(normalizeClipWeights(visionOnly, cfg, 'v', { vision: true }).size).toBeGreaterThan(0)
    expect(() => normalizeClipWeights(visionOnly, cfg, 'clip/model.safetensors')).toThrow(
      `clip/model.safetensors: the config says text_config.num_hidden_layers = ${cfg.text.layers}, but the CLIP text weights have 0 layers`,
    )
  })

  it('mapping: a whole paper checkpoint is fine; missing clip_project is a clear error', () => {
    const cfg = parseMappingConfig(readJsonFile(golden('clipcap_mapping', 'transformer_config.json')))
    const raw = readGolden('clipcap_mapping', 'transformer.safetensors')
    const withGpt = new Map<string, HostTensor>([...raw, ...[...prefixed].map(([k, t]) => [`gpt.${k}`, t] as [string, HostTensor])])
    expect(normalizeMappingWeights(withGpt, cfg, 'clipcap.pt').size).toBe(raw.size)
    expect(() => normalizeMappingWeights(prefixed, cfg, 'gpt2.safetensors')).toThrow('gpt2.safetensors: no clip_project.* tensors')
    const noConst = new Map(raw)
    noConst.delete('clip_project.prefix_const')
    expect(() => normalizeMappingWeights(noConst, cfg, 'm.safetensors')).toThrow('m.safetensors: missing transformer mapping tensor clip_project.prefix_const')
  })

  it('mapping config: pack and golden field names, 8 heads enforced', () => {
    const packJson = { type: 'transformer', prefix_length: 10, clip_length: 5, num_layers: 2, clip_dim: 24, prefix_dim: 32, normalize_prefix: true }
    const pack = parseMappingConfig(packJson)
    const gold = parseMappingConfig(readJsonFile(golden('clipcap_mapping', 'transformer_config.json')))
    expect(pack).toEqual(gold)
    expect(parseMappingConfig(readJsonFile(golden('clipcap_mapping', 'mlp_config.json'))).mlpHiddenDim).toBe(160)
    expect(() => parseMappingConfig({ ...packJson, num_heads: 4 }, 'cfg.json')).toThrow('cfg.json: num_heads 4 is not supported')
    expect(() => parseMappingConfig({ type: 'lstm' }, 'cfg.json')).toThrow('cfg.json: type must be "mlp" or "transformer"')
  })
})

describe('config bounds (see [Note: Config bounds])', () => {
  it('refuses sizes far beyond any real checkpoint, naming the file and the field, before anything is built', () => {
    const gpt2 = readJsonFile(golden('gpt2_tiny', 'config.json'))
    expect(() => parseGpt2Config({ ...gpt2, n_layer: 10_000_000 }, 'gpt2/config.json')).toThrow(
      'gpt2/config.json: field n_layer is 10000000, over 256 (no real checkpoint comes near; is the config corrupt?)',
    )
    expect(() => parseGpt2Config({ ...gpt2, n_embd: 1 << 30 }, 'gpt2/config.json')).toThrow(/field n_embd is 1073741824, over 16384/)
    expect(() => parseGpt2Config({ ...gpt2, layer_norm_epsilon: -1 }, 'gpt2/config.json')).toThrow(/layer_norm_epsilon must be above 0/)
    const clip = readJsonFile(golden('clip_tiny', 'config.json'))
    const vision = { ...(clip.vision_config as Record<string, unknown>), num_hidden_layers: 10_000_000 }
    expect(() => parseClipConfig({ ...clip, vision_config: vision }, 'clip/config.json')).toThrow(
      /clip\/config\.json vision_config: field num_hidden_layers is 10000000, over 256/,
    )
    expect(() =>
      parseMappingConfig(
        { type: 'transformer', prefix_length: 10, clip_length: 10, num_layers: 10_000_000, clip_dim: 512, prefix_dim: 768 },
        'mapping/config.json',
      ),
    ).toThrow(/mapping\/config\.json: field num_layers is 10000000, over 256/)
    expect(() => parseMappingConfig({ type: 'mlp', prefix_length: 1_000_000, clip_dim: 512, prefix_dim: 768 }, 'mapping/config.json')).toThrow(
      /field prefix_length is 1000000, over 512/,
    )
  })
})
