// Compile-time graph clean-ups for inference graphs (training graphs keep
// their parameters as inputs and are not touched by these).
//
// [Note: weight layout] Model builders read weights in their checkpoint
// layout (nn.Linear [out,in] gets an explicit Transpose) so that training
// gradients come out in the checkpoint's own layout. For inference,
// `foldInitializerTransposes` bakes those Transposes into the stored weights,
// so ORT sees MatMul with a pre-laid-out constant B (which it pre-packs) and
// no runtime or load-time transpose.
import { numel, type HostTensor } from '../weights/tensor.ts'
import { consumers, type Graph } from './ir.ts'

/** [r,c] float32 -> [c,r], in cache-friendly blocks (weights of 100M+ values are transposed at compile time). */
function transpose2dF32(src: Float32Array, r: number, c: number): Float32Array {
  const out = new Float32Array(r * c)
  const B = 64
  for (let i0 = 0; i0 < r; i0 += B) {
    const i1 = Math.min(i0 + B, r)
    for (let j0 = 0; j0 < c; j0 += B) {
      const j1 = Math.min(j0 + B, c)
      for (let i = i0; i < i1; i++) {
        const row = i * c
        for (let j = j0; j < j1; j++) out[j * r + i] = src[row + j]!
      }
    }
  }
  return out
}

/** Permute the axes of a host tensor. */
export function transposeHost(t: HostTensor, perm: number[]): HostTensor {
  const rank = t.shape.length
  const outShape = perm.map((p) => t.shape[p]!)
  if (rank === 2 && perm[0] === 1 && t.data instanceof Float32Array) {
    return { dtype: t.dtype, shape: outShape, data: transpose2dF32(t.data, t.shape[0]!, t.shape[1]!) }
  }
  const inStrides = new Array<number>(rank)
  let s = 1
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = s
    s *= t.shape[i]!
  }
  const n = numel(t.shape)
  const src = t.data
  const out = new (src.constructor as new (n: number) => typeof src)(n)
  const idx = new Array<number>(rank).fill(0)
  const permStrides = perm.map((p) => inStrides[p]!)
  for (let o = 0; o < n; o++) {
    let off = 0
    for (let a = 0; a < rank; a++) off += idx[a]! * permStrides[a]!
    out[o] = src[off]!
    for (let a = rank - 1; a >= 0; a--) {
      idx[a]! += 1
      if (idx[a]! < outShape[a]!) break
      idx[a] = 0
    }
  }
  return { dtype: t.dtype, shape: outShape, data: out }
}

/** Replace Transpose(initializer) by a transposed initializer when nothing else reads the original. Mutates and returns `graph`. */
export function foldInitializerTransposes(graph: Graph): Graph {
  const users = consumers(graph)
  const outputs = new Set(graph.outputs)
  const keep = []
  for (const node of graph.nodes) {
    const src = node.inputs[0]
    const t = src ? graph.initializers.get(src) : undefined
    if (node.op === 'Transpose' && src && t && users.get(src)?.length === 1 && !outputs.has(src) && !graph.inputs.includes(src)) {
      const out = node.outputs[0]!
      graph.initializers.delete(src)
      graph.values.delete(src)
      graph.initializers.set(out, transposeHost(t, node.attrs.perm as number[]))
      continue
    }
    keep.push(node)
  }
  graph.nodes = keep
  return graph
}

/** Drop nodes whose outputs are never used, and initializers nobody reads. Mutates and returns `graph`. */
export function pruneUnused(graph: Graph): Graph {
  const live = new Set(graph.outputs)
  const kept = []
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!
    if (!node.outputs.some((o) => live.has(o))) continue
    for (const inp of node.inputs) if (inp) live.add(inp)
    kept.push(node)
  }
  graph.nodes = kept.reverse()
  for (const name of [...graph.initializers.keys()]) {
    if (!live.has(name)) {
      graph.initializers.delete(name)
      graph.values.delete(name)
    }
  }
  return graph
}

/** The inference clean-up pipeline. */
export function optimizeForInference(graph: Graph): Graph {
  return foldInitializerTransposes(pruneUnused(graph))
}
