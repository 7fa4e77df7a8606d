// GraphBuilder: typed helpers that append nodes to a Graph (see ir.ts) and
// infer each output's dtype and symbolic shape, so model builders read like the
// papers' equations and training can walk shapes when it writes gradients.
//
// [Note: primitive ops] Helpers that are not ONNX ops (gelu, quickGelu,
// l2Normalize, linear, ...) expand into the primitive ops listed in
// ir.ts OP_TYPES; only LayerNormalization and Softmax are kept as single ops
// because ORT has fast kernels for them and their gradient rules are standard.
import { numel, type DType, type HostTensor } from '../weights/tensor.ts'
import { validateGraph, type AttrValue, type Dim, type Graph, type Node, type OpType, type ValueInfo } from './ir.ts'

/** A handle to a value of the graph under construction. */
export type Value = ValueInfo

let freshCounter = 0
/** A fresh unknown dimension symbol (equal only to itself). */
export function freshDim(hint = 'd'): string {
  freshCounter += 1
  return `?${hint}${freshCounter}`
}

function broadcastDims(a: Dim[], b: Dim[], what: string): Dim[] {
  const rank = Math.max(a.length, b.length)
  const out: Dim[] = []
  for (let i = 0; i < rank; i++) {
    const x = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)]! : 1
    const y = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)]! : 1
    if (x === y || y === 1) out.push(x)
    else if (x === 1) out.push(y)
    else if (typeof x === 'number' && typeof y === 'number') throw new Error(`${what}: cannot broadcast [${a}] with [${b}]`)
    else out.push(typeof x === 'number' ? x : typeof y === 'number' ? y : x)
  }
  return out
}

function normAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis
  if (a < 0 || a >= rank) throw new Error(`${what}: axis ${axis} out of range for rank ${rank}`)
  return a
}

function addDims(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') return a + b
  if (a === 0) return b
  if (b === 0) return a
  return freshDim('sum')
}

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = { float32: 1, uint8: 2, int32: 6, int64: 7, bool: 9 }

const INT64_MAX = 9223372036854775807n

export class GraphBuilder {
  readonly graph: Graph
  private counter = 0
  private scopes: string[] = []
  private constCache = new Map<string, Value>()

  /**
   * @param fusedGelu emit geluTanh as one com.microsoft FastGelu node. Training
   *   graphs want it: differentiated as primitives, the tanh GELU keeps seven
   *   intermediates of the MLP's widest tensor alive until the backward pass,
   *   FastGelu only its input (its gradient rule recomputes the rest). Inference
   *   graphs keep the primitives, which ORT fuses into the same kernel itself.
   */
  constructor(
    name: string,
    private readonly opts: { fusedGelu?: boolean } = {},
  ) {
    this.graph = { name, values: new Map(), nodes: [], initializers: new Map(), inputs: [], outputs: [] }
  }

  // ---------- structure ----------

  /** Run `fn` with value/node names prefixed by `name/` (readability of emitted graphs). */
  scope<T>(name: string, fn: () => T): T {
    this.scopes.push(name)
    try {
      return fn()
    } finally {
      this.scopes.pop()
    }
  }

  private freshName(hint: string): string {
    this.counter += 1
    const prefix = this.scopes.length ? `${this.scopes.join('/')}/` : ''
    return `${prefix}${hint}_${this.counter}`
  }

  private define(name: string, dtype: DType, shape: Dim[]): Value {
    if (this.graph.values.has(name)) throw new Error(`graph ${this.graph.name}: value ${name} defined twice`)
    const v: Value = { name, dtype, shape }
    this.graph.values.set(name, v)
    return v
  }

  /** Declare a graph input. */
  input(name: string, dtype: DType, shape: Dim[]): Value {
    const v = this.define(name, dtype, shape)
    this.graph.inputs.push(name)
    return v
  }

  /** Add a named initializer (a weight). */
  initializer(name: string, tensor: HostTensor): Value {
    if (numel(tensor.shape) !== tensor.data.length) throw new Error(`initializer ${name}: shape [${tensor.shape}] does not match ${tensor.data.length} values`)
    const v = this.define(name, tensor.dtype, [...tensor.shape])
    this.graph.initializers.set(name, tensor)
    return v
  }

  /** Mark `v` as a graph output named `name` (adds an Identity node when the names differ). */
  output(v: Value, name = v.name): Value {
    let out = v
    if (v.name !== name) {
      const isNodeOutput = !this.graph.inputs.includes(v.name) && !this.graph.initializers.has(v.name) && !this.graph.outputs.includes(v.name)
      // Rename a node output in place rather than adding an Identity: ORT keeps
      // Identity nodes that feed graph outputs, which would copy the whole KV cache every step.
      out = isNodeOutput ? this.rename(v, name) : this.node('Identity', [v], {}, [{ dtype: v.dtype, shape: v.shape }], [name])[0]!
    }
    this.graph.outputs.push(out.name)
    return out
  }

  /** Rename a node output everywhere (the handle `v` is updated too). */
  private rename(v: Value, name: string): Value {
    if (this.graph.values.has(name)) throw new Error(`graph ${this.graph.name}: value ${name} defined twice`)
    const old = v.name
    this.graph.values.delete(old)
    v.name = name
    this.graph.values.set(name, v)
    for (const node of this.graph.nodes) {
      node.outputs = node.outputs.map((o) => (o === old ? name : o))
      node.inputs = node.inputs.map((i) => (i === old ? name : i))
    }
    return v
  }

  /** Finish: validate and return the graph. */
  build(): Graph {
    validateGraph(this.graph)
    return this.graph
  }

  /** Low-level: append a node with explicitly given output types. */
  node(op: OpType, inputs: (Value | null)[], attrs: Record<string, AttrValue>, outs: { dtype: DType; shape: Dim[] }[], outNames?: string[]): Value[] {
    const outputs = outs.map((o, i) => this.define(outNames?.[i] ?? this.freshName(op), o.dtype, o.shape))
    const node: Node = { name: this.freshName(`n_${op}`), op, inputs: inputs.map((v) => v?.name ?? ''), outputs: outputs.map((o) => o.name), attrs }
    this.graph.nodes.push(node)
    return outputs
  }

  /** Like node(), for ops with optional outputs: a null entry leaves that output unnamed (not computed). */
  private nodeOptionalOutputs(
    op: OpType,
    inputs: (Value | null)[],
    attrs: Record<string, AttrValue>,
    outs: ({ dtype: DType; shape: Dim[] } | null)[],
  ): (Value | null)[] {
    const outputs = outs.map((o) => (o ? this.define(this.freshName(op), o.dtype, o.shape) : null))
    const node: Node = { name: this.freshName(`n_${op}`), op, inputs: inputs.map((v) => v?.name ?? ''), outputs: outputs.map((o) => o?.name ?? ''), attrs }
    this.graph.nodes.push(node)
    return outputs
  }

  private one(op: OpType, inputs: (Value | null)[], attrs: Record<string, AttrValue>, dtype: DType, shape: Dim[]): Value {
    return this.node(op, inputs, attrs, [{ dtype, shape }])[0]!
  }

  // ---------- constants ----------

  /** A constant initializer (deduplicated for small tensors). */
  constant(tensor: HostTensor, hint = 'const'): Value {
    const key = tensor.data.length <= 16 ? `${tensor.dtype}|${tensor.shape}|${Array.from(tensor.data as ArrayLike<number | bigint>, String)}` : null
    if (key) {
      const hit = this.constCache.get(key)
      if (hit) return hit
    }
    this.counter += 1
    const v = this.initializer(`${hint}_${this.counter}`, tensor)
    if (key) this.constCache.set(key, v)
    return v
  }

  /** float32 constant; a plain number gives a scalar. */
  f32(values: number | number[], shape?: number[]): Value {
    const arr = typeof values === 'number' ? [values] : values
    return this.constant({ dtype: 'float32', shape: shape ?? (typeof values === 'number' ? [] : [arr.length]), data: Float32Array.from(arr) })
  }

  /** int64 constant; a plain number gives a scalar. */
  i64(values: number | number[], shape?: number[]): Value {
    const arr = typeof values === 'number' ? [values] : values
    return this.constant({
      dtype: 'int64',
      shape: shape ?? (typeof values === 'number' ? [] : [arr.length]),
      data: BigInt64Array.from(arr, (x) => (x >= 2 ** 62 ? INT64_MAX : BigInt(x))),
    })
  }

  // ---------- elementwise ----------

  private binary(op: OpType, a: Value, b: Value, outDtype?: DType): Value {
    if (a.dtype !== b.dtype) throw new Error(`${op}: dtype mismatch ${a.name}:${a.dtype} vs ${b.name}:${b.dtype}`)
    return this.one(op, [a, b], {}, outDtype ?? a.dtype, broadcastDims(a.shape, b.shape, op))
  }

  add(a: Value, b: Value): Value {
    return this.binary('Add', a, b)
  }
  sub(a: Value, b: Value): Value {
    return this.binary('Sub', a, b)
  }
  mul(a: Value, b: Value): Value {
    return this.binary('Mul', a, b)
  }
  div(a: Value, b: Value): Value {
    return this.binary('Div', a, b)
  }
  pow(a: Value, b: Value): Value {
    return this.binary('Pow', a, b)
  }
  equal(a: Value, b: Value): Value {
    return this.binary('Equal', a, b, 'bool')
  }
  less(a: Value, b: Value): Value {
    return this.binary('Less', a, b, 'bool')
  }
  lessOrEqual(a: Value, b: Value): Value {
    return this.binary('LessOrEqual', a, b, 'bool')
  }
  greater(a: Value, b: Value): Value {
    return this.binary('Greater', a, b, 'bool')
  }

  where(cond: Value, a: Value, b: Value): Value {
    if (cond.dtype !== 'bool') throw new Error(`Where: condition ${cond.name} must be bool`)
    if (a.dtype !== b.dtype) throw new Error(`Where: dtype mismatch ${a.dtype} vs ${b.dtype}`)
    const shape = broadcastDims(broadcastDims(cond.shape, a.shape, 'Where'), b.shape, 'Where')
    return this.one('Where', [cond, a, b], {}, a.dtype, shape)
  }

  private unary(op: OpType, x: Value): Value {
    return this.one(op, [x], {}, x.dtype, x.shape)
  }
  neg(x: Value): Value {
    return this.unary('Neg', x)
  }
  exp(x: Value): Value {
    return this.unary('Exp', x)
  }
  log(x: Value): Value {
    return this.unary('Log', x)
  }
  sqrt(x: Value): Value {
    return this.unary('Sqrt', x)
  }
  tanh(x: Value): Value {
    return this.unary('Tanh', x)
  }
  sigmoid(x: Value): Value {
    return this.unary('Sigmoid', x)
  }
  relu(x: Value): Value {
    return this.unary('Relu', x)
  }
  erf(x: Value): Value {
    return this.unary('Erf', x)
  }
  reciprocal(x: Value): Value {
    return this.unary('Reciprocal', x)
  }
  abs(x: Value): Value {
    return this.unary('Abs', x)
  }
  not(x: Value): Value {
    return this.unary('Not', x)
  }
  identity(x: Value): Value {
    return this.unary('Identity', x)
  }

  cast(x: Value, to: DType): Value {
    return this.one('Cast', [x], { to: ONNX_DTYPE[to] }, to, x.shape)
  }

  // ---------- linear algebra ----------

  /** Batched matrix product with numpy broadcasting of leading axes. */
  matmul(a: Value, b: Value): Value {
    if (a.dtype !== b.dtype) throw new Error(`MatMul: dtype mismatch ${a.name} vs ${b.name}`)
    if (a.shape.length < 2 || b.shape.length < 2) throw new Error(`MatMul: ${a.name} [${a.shape}] and ${b.name} [${b.shape}] must have rank >= 2`)
    const ka = a.shape[a.shape.length - 1]!
    const kb = b.shape[b.shape.length - 2]!
    if (typeof ka === 'number' && typeof kb === 'number' && ka !== kb)
      throw new Error(`MatMul: inner dimensions differ: ${a.name} [${a.shape}] x ${b.name} [${b.shape}]`)
    const batch = broadcastDims(a.shape.slice(0, -2), b.shape.slice(0, -2), 'MatMul')
    return this.one('MatMul', [a, b], {}, a.dtype, [...batch, a.shape[a.shape.length - 2]!, b.shape[b.shape.length - 1]!])
  }

  /** 2-D Gemm: alpha·A'·B' + beta·C (A' = Aᵀ if transA, B' = Bᵀ if transB). */
  gemm(a: Value, b: Value, c: Value | null, opts: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {}): Value {
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`Gemm: ${a.name} and ${b.name} must be 2-D`)
    const m = opts.transA ? a.shape[1]! : a.shape[0]!
    const n = opts.transB ? b.shape[0]! : b.shape[1]!
    const attrs: Record<string, AttrValue> = {}
    if (opts.transA) attrs.transA = 1
    if (opts.transB) attrs.transB = 1
    if (opts.alpha !== undefined) attrs.alpha = opts.alpha
    if (opts.beta !== undefined) attrs.beta = opts.beta
    return this.one('Gemm', c ? [a, b, c] : [a, b], attrs, a.dtype, [m, n])
  }

  /** x·W (+ b) with W laid out [in, out] (Conv1D layout; transpose nn.Linear weights when loading). */
  linear(x: Value, w: Value, b?: Value | null): Value {
    const y = this.matmul(x, w)
    return b ? this.add(y, b) : y
  }

  // ---------- normalisation ----------

  softmax(x: Value, axis = -1): Value {
    return this.one('Softmax', [x], { axis }, x.dtype, x.shape)
  }

  logSoftmax(x: Value, axis = -1): Value {
    return this.one('LogSoftmax', [x], { axis }, x.dtype, x.shape)
  }

  /** LayerNormalization over the last axis (biased variance), ONNX opset 17. */
  layerNorm(x: Value, scale: Value, bias: Value, epsilon = 1e-5): Value {
    return this.one('LayerNormalization', [x, scale, bias], { axis: -1, epsilon }, x.dtype, x.shape)
  }

  // ---------- reductions ----------

  private reducedShape(x: Value, axes: number[], keepdims: boolean, what: string): Dim[] {
    const norm = axes.map((a) => normAxis(a, x.shape.length, what))
    const out: Dim[] = []
    x.shape.forEach((d, i) => {
      if (norm.includes(i)) {
        if (keepdims) out.push(1)
      } else out.push(d)
    })
    return out
  }

  reduceSum(x: Value, axes: number[], keepdims = true): Value {
    return this.one('ReduceSum', [x, this.i64(axes)], { keepdims: keepdims ? 1 : 0 }, x.dtype, this.reducedShape(x, axes, keepdims, 'ReduceSum'))
  }

  reduceMean(x: Value, axes: number[], keepdims = true): Value {
    return this.one('ReduceMean', [x], { axes, keepdims: keepdims ? 1 : 0 }, x.dtype, this.reducedShape(x, axes, keepdims, 'ReduceMean'))
  }

  reduceMax(x: Value, axes: number[], keepdims = true): Value {
    return this.one('ReduceMax', [x], { axes, keepdims: keepdims ? 1 : 0 }, x.dtype, this.reducedShape(x, axes, keepdims, 'ReduceMax'))
  }

  argMax(x: Value, axis: number, keepdims = false): Value {
    return this.one('ArgMax', [x], { axis, keepdims: keepdims ? 1 : 0 }, 'int64', this.reducedShape(x, [axis], keepdims, 'ArgMax'))
  }

  /** The `k` largest entries along `axis`, best first (ties: lower index first): [values, int64 indices]. `k` is an int64 [1] value. */
  topK(x: Value, k: Value, kDim: Dim, axis = -1): [Value, Value] {
    const a = normAxis(axis, x.shape.length, 'TopK')
    const shape = x.shape.map((d, i) => (i === a ? kDim : d))
    const [values, indices] = this.node('TopK', [x, k], { axis, largest: 1, sorted: 1 }, [
      { dtype: x.dtype, shape },
      { dtype: 'int64', shape },
    ])
    return [values!, indices!]
  }

  // ---------- shape ops ----------

  /**
   * Reshape with a static spec (ONNX semantics: 0 copies the input dim, -1 is
   * inferred). Prefer 0 over -1 where a dim may be zero (empty sequences).
   */
  reshape(x: Value, spec: number[]): Value {
    const out: Dim[] = spec.map((s, i) => (s === 0 ? x.shape[i]! : s))
    const inferred = out.indexOf(-1)
    if (inferred >= 0) {
      const known = x.shape.every((d) => typeof d === 'number') && out.every((d, i) => i === inferred || typeof d === 'number')
      out[inferred] = known ? numel(x.shape as number[]) / (out as number[]).reduce((a, d, i) => (i === inferred ? a : a * d), 1) : freshDim('r')
    }
    return this.one('Reshape', [x, this.i64(spec)], {}, x.dtype, out)
  }

  /** Reshape to a runtime shape (an int64 1-D value); `shape` gives the symbolic result. */
  reshapeDynamic(x: Value, shapeValue: Value, shape: Dim[]): Value {
    return this.one('Reshape', [x, shapeValue], {}, x.dtype, shape)
  }

  transpose(x: Value, perm: number[]): Value {
    return this.one(
      'Transpose',
      [x],
      { perm },
      x.dtype,
      perm.map((p) => x.shape[p]!),
    )
  }

  concat(xs: Value[], axis: number): Value {
    const first = xs[0]
    if (!first) throw new Error('Concat: no inputs')
    const a = normAxis(axis, first.shape.length, 'Concat')
    const shape = [...first.shape]
    shape[a] = xs.slice(1).reduce<Dim>((acc, v) => addDims(acc, v.shape[a]!), first.shape[a]!)
    for (const v of xs) if (v.dtype !== first.dtype || v.shape.length !== first.shape.length) throw new Error(`Concat: ${v.name} does not match ${first.name}`)
    return this.one('Concat', xs, { axis }, first.dtype, shape)
  }

  /**
   * Static slice along `axes` (ONNX semantics; ends clamp, so a huge end = "to the end").
   * Use `Infinity` for "to the end".
   */
  slice(x: Value, starts: number[], ends: number[], axes: number[], steps?: number[]): Value {
    const shape = [...x.shape]
    axes.forEach((ax, i) => {
      const a = normAxis(ax, x.shape.length, 'Slice')
      const d = x.shape[a]!
      const s = starts[i]!
      const e = ends[i]!
      const step = steps?.[i] ?? 1
      if (typeof d === 'number' && step === 1) {
        const cs = Math.min(Math.max(s < 0 ? s + d : s, 0), d)
        const ce = Math.min(Math.max(e < 0 ? e + d : e, 0), d)
        shape[a] = Math.max(0, ce - cs)
      } else if (step === 1 && s >= 0 && Number.isFinite(e) && e >= 0) shape[a] = e - s
      else if (step === 1 && s < 0 && !Number.isFinite(e)) shape[a] = -s
      else shape[a] = freshDim('s')
    })
    const big = (v: number) => (Number.isFinite(v) ? v : 2 ** 62)
    const inputs = [x, this.i64(starts.map(big)), this.i64(ends.map(big)), this.i64(axes)]
    if (steps) inputs.push(this.i64(steps))
    return this.one('Slice', inputs, {}, x.dtype, shape)
  }

  /** Slice with runtime starts/ends (int64 1-D values). */
  sliceDynamic(x: Value, starts: Value, ends: Value, axes: number[], shape: Dim[]): Value {
    return this.one('Slice', [x, starts, ends, this.i64(axes)], {}, x.dtype, shape)
  }

  gather(data: Value, indices: Value, axis = 0): Value {
    const a = normAxis(axis, data.shape.length, 'Gather')
    const shape = [...data.shape.slice(0, a), ...indices.shape, ...data.shape.slice(a + 1)]
    return this.one('Gather', [data, indices], { axis }, data.dtype, shape)
  }

  unsqueeze(x: Value, axes: number[]): Value {
    const rank = x.shape.length + axes.length
    const norm = axes.map((a) => normAxis(a, rank, 'Unsqueeze'))
    const shape: Dim[] = []
    let j = 0
    for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[j++]!)
    return this.one('Unsqueeze', [x, this.i64(axes)], {}, x.dtype, shape)
  }

  squeeze(x: Value, axes: number[]): Value {
    const norm = axes.map((a) => normAxis(a, x.shape.length, 'Squeeze'))
    return this.one(
      'Squeeze',
      [x, this.i64(axes)],
      {},
      x.dtype,
      x.shape.filter((_, i) => !norm.includes(i)),
    )
  }

  /** Broadcast `x` to a runtime shape (int64 1-D value); `shape` gives the symbolic result. */
  expand(x: Value, shapeValue: Value, shape: Dim[]): Value {
    return this.one('Expand', [x, shapeValue], {}, x.dtype, shape)
  }

  /** Runtime shape of `x` (dims start..end-1) as int64 [n]. */
  shapeOf(x: Value, start?: number, end?: number): Value {
    const attrs: Record<string, AttrValue> = {}
    if (start !== undefined) attrs.start = start
    if (end !== undefined) attrs.end = end
    const rank = x.shape.length
    const s = start === undefined ? 0 : start < 0 ? start + rank : start
    const e = end === undefined ? rank : end < 0 ? end + rank : end
    return this.one('Shape', [x], attrs, 'int64', [Math.max(0, Math.min(e, rank) - s)])
  }

  /** Runtime size of one axis of `x` as an int64 scalar. */
  dimOf(x: Value, axis: number): Value {
    const a = normAxis(axis, x.shape.length, 'dimOf')
    return this.squeeze(this.shapeOf(x, a, a + 1), [0])
  }

  /** arange(start, limit, delta) from scalar values of one dtype. */
  range(start: Value, limit: Value, delta: Value, length: Dim = freshDim('n')): Value {
    return this.one('Range', [start, limit, delta], {}, start.dtype, [length])
  }

  /** A tensor of the runtime shape `shapeValue` filled with `fill`. */
  constantOfShape(shapeValue: Value, fill: number, dtype: DType, shape: Dim[]): Value {
    const value: HostTensor =
      dtype === 'int64' ? { dtype, shape: [1], data: BigInt64Array.from([BigInt(fill)]) } : { dtype: 'float32', shape: [1], data: Float32Array.from([fill]) }
    return this.one('ConstantOfShape', [shapeValue], { value }, dtype, shape)
  }

  /** 2-D convolution (groups 1, dilation 1): CLIP's patch embedding, and with `pads`/`bias` the ResNet tower's convolutions. */
  conv2d(x: Value, w: Value, opts: { stride: number; pads?: number; bias?: Value }): Value {
    const [n, , h, wd] = x.shape
    const [co, , kh, kw] = w.shape
    const pad = opts.pads ?? 0
    const outDim = (d: Dim | undefined, k: Dim | undefined): Dim =>
      typeof d === 'number' && typeof k === 'number' ? Math.floor((d + 2 * pad - k) / opts.stride) + 1 : freshDim('conv')
    const attrs: Record<string, AttrValue> = { strides: [opts.stride, opts.stride] }
    if (pad) attrs.pads = [pad, pad, pad, pad]
    return this.one('Conv', opts.bias ? [x, w, opts.bias] : [x, w], attrs, x.dtype, [n!, co!, outDim(h, kh), outDim(wd, kw)])
  }

  /** k×k average pool with stride k and no padding over NCHW (the ResNet tower's anti-aliased strides); k = 1 is the identity. */
  averagePool(x: Value, k: number): Value {
    if (k === 1) return x
    const [n, c, h, wd] = x.shape
    const outDim = (d: Dim | undefined): Dim => (typeof d === 'number' ? Math.floor(d / k) : freshDim('pool'))
    return this.one('AveragePool', [x], { kernel_shape: [k, k], strides: [k, k] }, x.dtype, [n!, c!, outDim(h), outDim(wd)])
  }

  // ---------- composites (expand into primitive ops) ----------

  /**
   * GPT-2's gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), written as
   * 0.5·x·(1 + tanh((√(2/π)·x)·(1 + 0.044715·x·x))) in exactly the node
   * pattern ORT's FastGeluFusion recognises (one fused FastGelu kernel on CPU
   * and CUDA); only Mul/Add/Tanh, so training differentiates it as is.
   */
  geluTanh(x: Value): Value {
    if (this.opts.fusedGelu) return this.fastGelu(x)
    const inner = this.add(this.mul(this.mul(x, this.f32(0.044715)), x), this.f32(1))
    const t = this.tanh(this.mul(this.mul(x, this.f32(Math.sqrt(2 / Math.PI))), inner))
    return this.mul(this.mul(x, this.f32(0.5)), this.add(t, this.f32(1)))
  }

  /** The tanh GELU as ONNX Runtime's one com.microsoft FastGelu kernel. */
  fastGelu(x: Value): Value {
    return this.one('FastGelu', [x], {}, x.dtype, x.shape)
  }

  /**
   * x + b, then the tanh GELU, as one com.microsoft FastGelu(x, bias) kernel
   * (inference graphs: the same kernel ORT's own fusion makes of geluTanh(x + b),
   * emitted directly so it does not depend on the pattern matching).
   */
  fastGeluBias(x: Value, bias: Value): Value {
    return this.one('FastGelu', [x, bias], {}, x.dtype, x.shape)
  }

  /**
   * LayerNorm(x + skip + bias) and the sum x + skip + bias itself, as one
   * com.microsoft SkipLayerNormalization kernel (the residual stream of a
   * pre-LN transformer: the sum is the next residual). Inference only.
   * Returns [normalized, sum].
   */
  skipLayerNorm(x: Value, skip: Value, scale: Value, shift: Value, bias: Value | null, epsilon = 1e-5): [Value, Value] {
    if (x.dtype !== skip.dtype) throw new Error(`SkipLayerNormalization: dtype mismatch ${x.name} vs ${skip.name}`)
    const shape = broadcastDims(x.shape, skip.shape, 'SkipLayerNormalization')
    const outputs = [{ dtype: x.dtype, shape }, null, null, { dtype: x.dtype, shape }]
    const [normalized, , , sum] = this.nodeOptionalOutputs('SkipLayerNormalization', [x, skip, scale, shift, bias], { epsilon }, outputs)
    return [normalized!, sum!]
  }

  /**
   * com.microsoft MultiHeadAttention over q, k, v [B,T,H·d] (+ their packed
   * bias [3·H·d]) with the cache in BNSH layout: past [B,H,P,d] in, present
   * [B,H,P+T,d] out (past and the new keys concatenated inside the kernel).
   * `attentionBias` broadcasts to [B,H,T,P+T] (additive, like attention() in
   * models/layers.ts); scale defaults to 1/√d. Returns [output [B,T,H·d], presentKey, presentValue].
   */
  multiHeadAttention(
    q: Value,
    k: Value,
    v: Value,
    opts: { heads: number; bias?: Value | null; attentionBias?: Value | null; pastKey: Value; pastValue: Value; scale?: number },
  ): [Value, Value, Value] {
    const [b, t, e] = q.shape
    const d = typeof e === 'number' ? e / opts.heads : freshDim('d')
    const past = opts.pastKey.shape
    const present: Dim[] = [b!, opts.heads, addDims(past[2]!, k.shape[1]!), d]
    const attrs: Record<string, AttrValue> = { num_heads: opts.heads }
    if (opts.scale !== undefined) attrs.scale = opts.scale
    const inputs = [q, k, v, opts.bias ?? null, null, opts.attentionBias ?? null, opts.pastKey, opts.pastValue]
    const [out, presentKey, presentValue] = this.node('MultiHeadAttention', inputs, attrs, [
      { dtype: q.dtype, shape: [b!, t!, e!] },
      { dtype: q.dtype, shape: present },
      { dtype: q.dtype, shape: [...present] },
    ])
    return [out!, presentKey!, presentValue!]
  }

  /** CLIP's quick_gelu: x·σ(1.702·x). */
  quickGelu(x: Value): Value {
    return this.mul(x, this.sigmoid(this.mul(x, this.f32(1.702))))
  }

  /** x / ‖x‖₂ over the last axis. */
  l2Normalize(x: Value): Value {
    return this.div(x, this.sqrt(this.reduceSum(this.mul(x, x), [-1], true)))
  }
}
