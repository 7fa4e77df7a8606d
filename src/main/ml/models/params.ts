// Parameter handles for the model builders. A model builder reads its weights
// only through a `Params` map keyed by canonical weight names (weight-names.ts),
// so the same forward can be built with the weights as initializers
// (inference) or as graph inputs (training, where autodiff needs them as
// values it can differentiate with respect to).
import type { GraphBuilder, Value } from '../graph/builder.ts'
import type { WeightMap } from './weight-names.ts'

export type Params = ReadonlyMap<string, Value>

/** The parameter `name`; throws naming it when the map lacks it. */
export function param(p: Params, name: string): Value {
  const v = p.get(name)
  if (!v) throw new Error(`model parameter ${name} was not provided`)
  return v
}

/**
 * Declare `weights` in `g`: as initializers (value name = `prefix + name`), or
 * as float32 graph inputs of the same shapes (`mode: 'input'`). Returns the
 * handles keyed by the canonical (unprefixed) names.
 */
export function declareParams(g: GraphBuilder, weights: WeightMap, mode: 'initializer' | 'input' = 'initializer', prefix = ''): Map<string, Value> {
  const out = new Map<string, Value>()
  for (const [name, t] of weights) {
    out.set(name, mode === 'initializer' ? g.initializer(prefix + name, t) : g.input(prefix + name, t.dtype, [...t.shape]))
  }
  return out
}
