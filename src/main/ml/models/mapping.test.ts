import { describe, expect, it } from 'vitest'
import { parseMappingConfig, readJsonFile, type MappingConfig } from './config.ts'
import { buildMappingGraph } from './mapping.ts'
import { allcloseReport, golden, openGraph, ortTensor, readGolden, tensor } from './testing/golden.ts'
import { normalizeMappingWeights } from './weight-names.ts'

const cases = readGolden('clipcap_mapping', 'cases.safetensors')
const TOL = { atol: 5e-5, rtol: 1e-4 }

function load(type: 'mlp' | 'transformer'): { cfg: MappingConfig; graphDebug: ReturnType<typeof buildMappingGraph> } {
  const cfg = parseMappingConfig(readJsonFile(golden('clipcap_mapping', `${type}_config.json`)), `${type}_config.json`)
  const weights = normalizeMappingWeights(readGolden('clipcap_mapping', `${type}.safetensors`), cfg, `${type}.safetensors`)
  return { cfg, graphDebug: buildMappingGraph(weights, cfg, { debug: true }) }
}

describe('ClipCap mapping golden cases', () => {
  it('MLP: raw CLIP embedding -> prefix [B,10,E]', async () => {
    const { cfg, graphDebug } = load('mlp')
    expect(cfg.normalizePrefix).toBe(false)
    const session = await openGraph(graphDebug)
    const out = await session.run({ clip_embedding: ortTensor(tensor(cases, 'mlp.clip_embedding')) })
    expect(allcloseReport(out.prefix!.data as Float32Array, out.prefix!.dims, tensor(cases, 'mlp.prefix'), TOL.atol, TOL.rtol)).toBeNull()
  })

  it('transformer: L2-normalised in-graph, linear_out, full transformer output, last K rows as prefix', async () => {
    const { cfg, graphDebug } = load('transformer')
    expect(cfg.normalizePrefix).toBe(true)
    expect(cfg.numHeads).toBe(8)
    const session = await openGraph(graphDebug)
    const out = await session.run({ clip_embedding: ortTensor(tensor(cases, 'transformer.clip_embedding')) })
    expect(allcloseReport(out.linear_out!.data as Float32Array, out.linear_out!.dims, tensor(cases, 'transformer.linear_out'), TOL.atol, TOL.rtol)).toBeNull()
    expect(
      allcloseReport(
        out.transformer_out_full!.data as Float32Array,
        out.transformer_out_full!.dims,
        tensor(cases, 'transformer.transformer_out_full'),
        TOL.atol,
        TOL.rtol,
      ),
    ).toBeNull()
    expect(allcloseReport(out.prefix!.data as Float32Array, out.prefix!.dims, tensor(cases, 'transformer.prefix'), TOL.atol, TOL.rtol)).toBeNull()
  })
})
