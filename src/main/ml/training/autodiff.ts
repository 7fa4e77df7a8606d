// Reverse-mode differentiation over Photocap's graph IR.
//
// `addGradients` appends the backward pass of an already built forward graph
// to the same GraphBuilder: it walks the nodes in reverse topological order and
// asks each op's gradient rule (grad-rules.ts) for the gradients of its inputs,
// summing contributions where a value feeds several nodes (e.g. the tied
// wte/lm_head matrix, used by the embedding Gather and the head MatMul).
//
// [Note: only what is needed] Only nodes on a path from a requested parameter
// to the loss are differentiated, so frozen GPT-2 weights (initializers that
// are not requested) get no weight-gradient nodes at all: the backward through
// frozen GPT-2 computes only the input (activation) gradients the mapper needs.
import type { GraphBuilder, Value } from '../graph/builder.ts'
import type { Node } from '../graph/ir.ts'
import { GRAD_RULES, type GradContext } from './grad-rules.ts'

const FLOAT_DTYPES = new Set(['float32'])

export interface GradientOptions {
  /** Gradient to seed the loss with (default: 1, the loss must be a scalar). */
  seed?: Value
}

/**
 * Append d(loss)/d(x) for every `x` in `wrt` to the graph under construction.
 * Returns a map from each requested value name to its gradient value (a zero
 * tensor for a parameter the loss does not depend on).
 */
export function addGradients(b: GraphBuilder, loss: Value, wrt: Value[], opts: GradientOptions = {}): Map<string, Value> {
  const graph = b.graph
  if (!opts.seed && loss.shape.length !== 0) throw new Error(`addGradients: loss ${loss.name} must be a scalar (shape [${loss.shape}]); pass a seed otherwise`)
  const wanted = new Set(wrt.map((v) => v.name))

  // Forward reachability from the parameters.
  const dependsOnParam = new Set<string>(wanted)
  const nodes = graph.nodes
  const lossIndex = nodes.findIndex((n) => n.outputs.includes(loss.name))
  if (lossIndex < 0 && !wanted.has(loss.name)) throw new Error(`addGradients: loss ${loss.name} is not computed by any node`)
  for (let i = 0; i <= lossIndex; i++) {
    const n = nodes[i]!
    if (n.inputs.some((x) => x && dependsOnParam.has(x))) for (const o of n.outputs) if (FLOAT_DTYPES.has(graph.values.get(o)!.dtype)) dependsOnParam.add(o)
  }
  // Backward reachability from the loss, restricted to param-dependent values.
  const needed = new Set<string>([loss.name])
  const active: Node[] = []
  for (let i = lossIndex; i >= 0; i--) {
    const n = nodes[i]!
    if (!n.outputs.some((o) => needed.has(o))) continue
    if (!n.inputs.some((x) => x && dependsOnParam.has(x))) continue
    active.push(n)
    for (const x of n.inputs) if (x && dependsOnParam.has(x)) needed.add(x)
  }

  const grads = new Map<string, Value>()
  const accumulate = (name: string, g: Value): void => {
    const prev = grads.get(name)
    grads.set(name, prev ? b.add(prev, g) : g)
  }
  accumulate(loss.name, opts.seed ?? b.f32(1))

  const ctx: GradContext = {
    b,
    value: (name) => {
      const v = graph.values.get(name)
      if (!v) throw new Error(`autodiff: unknown value ${name}`)
      return v
    },
    constant: (name) => graph.initializers.get(name),
  }

  b.scope('grad', () => {
    for (const n of active) {
      const gOut = n.outputs.map((o) => grads.get(o) ?? null)
      if (gOut.every((g) => g === null)) continue
      const needs = n.inputs.map((x) => Boolean(x) && dependsOnParam.has(x) && needed.has(x))
      const rule = GRAD_RULES[n.op]
      if (!rule) throw new Error(`autodiff: no gradient rule for ${n.op} (node ${n.name}); it lies on the path from a trained parameter to the loss`)
      const gIn = rule(ctx, n, gOut, needs)
      n.inputs.forEach((x, i) => {
        const g = gIn[i]
        if (x && needs[i] && g) accumulate(x, g)
      })
    }
  })

  const out = new Map<string, Value>()
  for (const p of wrt) {
    const g = grads.get(p.name)
    if (g) out.set(p.name, g)
    else {
      // The loss does not depend on p: its gradient is zero.
      out.set(p.name, b.mul(p, b.f32(0)))
    }
  }
  return out
}
