// Opt-in weight-only quantization of inference graphs: every MatMul whose
// right operand is a constant weight [K,N] (and the tied LM head, a Gemm with
// wteᵀ) becomes ONNX Runtime's com.microsoft MatMulNBits over block-quantized
// weights: per output column, blocks of `blockSize` consecutive K values share
// one float32 scale; values are stored as unsigned `bits`-bit integers with
// the implicit zero point 2^(bits−1) (symmetric: q = round(w / scale),
// scale = max|w| / (2^(bits−1) − 1)). Activations stay float32; with
// accuracy level 4 ORT computes the products in int8 (VNNI where the CPU has
// it), which is where the speed comes from, besides moving 4–8× fewer bytes
// of weights per decode step.
//
// Never the default: captions change slightly. bench/caption.bench.ts reports
// its speed and, on random weights, its logit error against float32.
import type { HostTensor } from '../weights/tensor.ts'
import type { Graph, Node } from './ir.ts'

/** float32 (the default) or the opt-in fast modes int8 / int4 (captions may differ slightly). */
export const WEIGHT_FORMATS = ['float32', 'int8', 'int4'] as const
export type WeightFormat = (typeof WEIGHT_FORMATS)[number]

export interface QuantizeOptions {
  bits: 4 | 8
  /** K values per scale (a power of two ≥ 16). */
  blockSize?: number
  /** MatMulNBits accuracy_level: 4 = int8 arithmetic (fastest on CPU), 0 = as the activations. */
  accuracyLevel?: number
  /** Weights with fewer values are left in float32. */
  minValues?: number
}

export function weightBits(format: WeightFormat): 4 | 8 | null {
  return format === 'int4' ? 4 : format === 'int8' ? 8 : null
}

export interface BlockQuantized {
  /** [N, kBlocks, blockSize·bits/8] bytes (4-bit: two values per byte, the lower K index in the low nibble). */
  packed: Uint8Array
  /** [N·kBlocks] scales. */
  scales: Float32Array
  kBlocks: number
}

/**
 * Quantize a weight given as `at(k, n)` for k < K, n < N (K is padded with
 * zeros to whole blocks).
 */
export function quantizeBlockwise(at: (k: number, n: number) => number, K: number, N: number, bits: 4 | 8, blockSize: number): BlockQuantized {
  const kBlocks = Math.ceil(K / blockSize)
  const blob = (blockSize * bits) / 8
  const packed = new Uint8Array(N * kBlocks * blob)
  const scales = new Float32Array(N * kBlocks)
  const qMax = 2 ** (bits - 1) - 1
  const zero = 2 ** (bits - 1)
  const block = new Float32Array(blockSize)
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < kBlocks; b++) {
      let absMax = 0
      for (let j = 0; j < blockSize; j++) {
        const k = b * blockSize + j
        const w = k < K ? at(k, n) : 0
        block[j] = w
        if (Math.abs(w) > absMax) absMax = Math.abs(w)
      }
      const scale = absMax / qMax
      scales[n * kBlocks + b] = scale
      const inv = scale > 0 ? 1 / scale : 0
      const base = (n * kBlocks + b) * blob
      for (let j = 0; j < blockSize; j++) {
        const q = Math.max(-qMax, Math.min(qMax, Math.round(block[j]! * inv))) + zero
        if (bits === 8) packed[base + j] = q
        else packed[base + (j >> 1)]! |= j & 1 ? q << 4 : q
      }
    }
  }
  return { packed, scales, kBlocks }
}

/** The float32 value a quantized weight stands for (tests and error reports). */
export function dequantizeAt(qz: BlockQuantized, k: number, n: number, bits: 4 | 8, blockSize: number): number {
  const b = Math.floor(k / blockSize)
  const j = k % blockSize
  const base = (n * qz.kBlocks + b) * ((blockSize * bits) / 8)
  const q = bits === 8 ? qz.packed[base + j]! : (qz.packed[base + (j >> 1)]! >> (j & 1 ? 4 : 0)) & 15
  return (q - 2 ** (bits - 1)) * qz.scales[n * qz.kBlocks + b]!
}

/** Replace weight MatMuls (and the tied-head Gemm) by MatMulNBits. Mutates and returns `graph`; run pruneUnused after. */
export function quantizeWeights(graph: Graph, options: QuantizeOptions): Graph {
  const bits = options.bits
  const blockSize = options.blockSize ?? 32
  const accuracyLevel = options.accuracyLevel ?? 4
  const minValues = options.minValues ?? 4096
  let counter = 0
  const nodes: Node[] = []
  for (const node of graph.nodes) {
    const weightName = node.inputs[1] ?? ''
    const w = graph.initializers.get(weightName)
    const isMatMul = node.op === 'MatMul' && w !== undefined && w.shape.length === 2
    // Gemm(A, W, transB) without C, alpha or beta: the LM head against wte [V,E].
    const isHead =
      node.op === 'Gemm' &&
      w !== undefined &&
      w.shape.length === 2 &&
      node.attrs.transB === 1 &&
      !node.attrs.transA &&
      node.inputs.length === 2 &&
      node.attrs.alpha === undefined &&
      node.attrs.beta === undefined
    if (!w || !(isMatMul || isHead) || w.dtype !== 'float32' || w.data.length < minValues) {
      nodes.push(node)
      continue
    }
    const data = w.data as Float32Array
    const [r, c] = w.shape as [number, number]
    const K = isMatMul ? r : c
    const N = isMatMul ? c : r
    const at = isMatMul ? (k: number, n: number) => data[k * N + n]! : (k: number, n: number) => data[n * K + k]!
    const qz = quantizeBlockwise(at, K, N, bits, blockSize)
    counter += 1
    const qName = `${weightName}.q${bits}_${counter}`
    const sName = `${weightName}.scales_${counter}`
    const blob = (blockSize * bits) / 8
    const packed: HostTensor = { dtype: 'uint8', shape: [N, qz.kBlocks, blob], data: qz.packed }
    const scales: HostTensor = { dtype: 'float32', shape: [N * qz.kBlocks], data: qz.scales }
    graph.initializers.set(qName, packed)
    graph.values.set(qName, { name: qName, dtype: 'uint8', shape: packed.shape })
    graph.initializers.set(sName, scales)
    graph.values.set(sName, { name: sName, dtype: 'float32', shape: scales.shape })
    nodes.push({
      name: `${node.name}_nbits`,
      op: 'MatMulNBits',
      inputs: [node.inputs[0]!, qName, sName],
      outputs: node.outputs,
      attrs: { K, N, bits, block_size: blockSize, accuracy_level: accuracyLevel },
    })
  }
  graph.nodes = nodes
  return graph
}
