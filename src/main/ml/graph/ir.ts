/**
 * Photocap's graph IR: the one data structure every model graph (inference and
 * training) is built in before it is written out as ONNX.
 *
 * A `Graph` is plain data, safe to walk, copy and extend:
 * - `values`: every tensor the graph names (graph inputs, initializers, node
 *   outputs), each with a dtype and a symbolic shape. The rank is always known;
 *   each dimension is a number (static) or a string (a symbol such as 'B' or
 *   'T'; two equal strings mean the same size; names starting with '?' are
 *   fresh unknowns invented by shape inference and equal only to themselves).
 * - `nodes`: in topological order (every input of a node is a graph input, an
 *   initializer, or an output of an earlier node). Each node has an `op` from
 *   `OpType`, input value names ('' = an omitted optional input), output value
 *   names and attributes (numbers, number lists, strings, tensors).
 * - `initializers`: constant tensors (weights and small constants) as
 *   HostTensor, keyed by value name.
 * - `inputs` / `outputs`: names of the graph's inputs and outputs, in order.
 *
 * The ops are ONNX ops (opset 17) with ONNX semantics and attribute names, kept
 * primitive on purpose so that each has a simple gradient rule; see `OP_TYPES`.
 * Composite functions (GELU, attention, L2 normalisation) are built from them
 * by the helpers in builder.ts. `emitOnnx` (emit-onnx.ts) serialises a Graph.
 */
import type { DType, HostTensor } from '../weights/tensor.ts'

export type { DType, HostTensor }

/** A dimension: a static size, or a symbol. */
export type Dim = number | string

export interface ValueInfo {
  name: string
  dtype: DType
  shape: Dim[]
}

export type AttrValue = number | number[] | string | HostTensor

export interface Node {
  /** Unique node name (for debugging and ONNX node names). */
  name: string
  op: OpType
  inputs: string[]
  outputs: string[]
  /** ONNX attributes. Integers and floats are both `number`: ATTR_FLOAT_NAMES says which are floats. */
  attrs: Record<string, AttrValue>
}

export interface Graph {
  name: string
  values: Map<string, ValueInfo>
  nodes: Node[]
  initializers: Map<string, HostTensor>
  inputs: string[]
  outputs: string[]
}

/**
 * Every op the builder emits. All are standard ONNX (default domain, opset 17).
 * Elementwise binary ops broadcast numpy-style.
 *
 * - Linear algebra: MatMul (batched, broadcast), Gemm (2-D only, alpha/beta/transA/transB).
 * - Elementwise binary: Add, Sub, Mul, Div, Pow; comparisons Equal, Less, LessOrEqual,
 *   Greater (bool out); Where(cond, a, b).
 * - Elementwise unary: Neg, Exp, Log, Sqrt, Tanh, Sigmoid, Relu, Erf, Reciprocal, Abs, Not, Cast(to).
 * - Normalisation: Softmax(axis), LogSoftmax(axis), LayerNormalization(axis, epsilon; inputs x, scale, bias).
 * - Reductions (keepdims attr): ReduceSum (axes as 2nd input, opset 13+), ReduceMean, ReduceMax
 *   (axes attribute in opset 17), ArgMax(axis, keepdims), TopK(x, k int64 [1]; axis, largest, sorted:
 *   ties keep the lower index first). Inference only (the decoder's in-graph choice of tokens).
 * - Shape: Reshape(x, shape int64), Transpose(perm), Concat(axis), Slice(x, starts, ends, axes, steps),
 *   Gather(axis), Unsqueeze(x, axes int64), Squeeze(x, axes int64), Expand(x, shape int64), Shape,
 *   Range(start, limit, delta), ConstantOfShape(value).
 * - Images: Conv (CLIP's patch embedding and the ResNet tower), AveragePool (kernel = stride, no
 *   padding: the ResNet tower); image towers are not differentiated by training.
 */
export const OP_TYPES = [
  'MatMul',
  'Gemm',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Equal',
  'Less',
  'LessOrEqual',
  'Greater',
  'Where',
  'Neg',
  'Exp',
  'Log',
  'Sqrt',
  'Tanh',
  'Sigmoid',
  'Relu',
  'Erf',
  'Reciprocal',
  'Abs',
  'Not',
  'Cast',
  'Identity',
  'Softmax',
  'LogSoftmax',
  'LayerNormalization',
  'ReduceSum',
  'ReduceMean',
  'ReduceMax',
  'ArgMax',
  'TopK',
  'Reshape',
  'Transpose',
  'Concat',
  'Slice',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Expand',
  'Shape',
  'Range',
  'ConstantOfShape',
  'Conv',
  'AveragePool',
  // Training (src/main/ml/training): the gradient of Gather scatter-adds rows (reduction 'add', opset 16+).
  'ScatterND',
  // ONNX Runtime contrib ops (domain com.microsoft, CONTRIB_OPS):
  // MatMulNBits = MatMul with block-quantized weights (graph/quantize.ts, opt-in, inference only);
  // FastGelu = the tanh GELU as one kernel (training graphs: see GraphBuilder's fusedGelu; inference: with its bias);
  // SkipLayerNormalization and MultiHeadAttention (with past/present in BNSH layout) = the fused
  // transformer kernels of the GPT-2 decoder (models/gpt2.ts, Gpt2Fusions; inference only).
  'MatMulNBits',
  'FastGelu',
  'SkipLayerNormalization',
  'MultiHeadAttention',
] as const

/** Ops of ONNX Runtime's com.microsoft domain (emitted with that domain and its opset import). */
export const CONTRIB_OPS: ReadonlySet<string> = new Set(['MatMulNBits', 'FastGelu', 'SkipLayerNormalization', 'MultiHeadAttention'])
export const CONTRIB_DOMAIN = 'com.microsoft'

export type OpType = (typeof OP_TYPES)[number]

/** Attribute names whose numeric values are ONNX floats (all other numbers are ints). */
export const ATTR_FLOAT_NAMES = new Set(['epsilon', 'alpha', 'beta', 'scale'])

export const OPSET_VERSION = 17
/** ONNX IR version 8 matches opset 17 (onnx 1.12); onnxruntime-node 1.30 reads it. */
export const IR_VERSION = 8

/** Values that are node outputs, keyed by name, pointing at the producing node. */
export function producers(graph: Graph): Map<string, Node> {
  const out = new Map<string, Node>()
  for (const node of graph.nodes) for (const o of node.outputs) out.set(o, node)
  return out
}

/** Nodes consuming each value. */
export function consumers(graph: Graph): Map<string, Node[]> {
  const out = new Map<string, Node[]>()
  for (const node of graph.nodes) {
    for (const i of node.inputs) {
      if (!i) continue
      const list = out.get(i)
      if (list) list.push(node)
      else out.set(i, [node])
    }
  }
  return out
}

/** Check the invariants above; throws naming the first problem. */
export function validateGraph(graph: Graph): void {
  const known = new Set<string>([...graph.inputs, ...graph.initializers.keys()])
  for (const name of known) if (!graph.values.has(name)) throw new Error(`graph ${graph.name}: ${name} has no value info`)
  for (const node of graph.nodes) {
    for (const i of node.inputs) {
      if (i && !known.has(i)) throw new Error(`graph ${graph.name}: node ${node.name} (${node.op}) reads ${i} before it is defined`)
    }
    for (const o of node.outputs) {
      if (!o) continue // an optional output left unnamed
      if (known.has(o)) throw new Error(`graph ${graph.name}: ${o} is defined twice (node ${node.name})`)
      if (!graph.values.has(o)) throw new Error(`graph ${graph.name}: node output ${o} has no value info`)
      known.add(o)
    }
  }
  for (const o of graph.outputs) if (!known.has(o)) throw new Error(`graph ${graph.name}: output ${o} is never computed`)
}
