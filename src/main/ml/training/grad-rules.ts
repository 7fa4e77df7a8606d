// Gradient rules: for each op of the graph IR, the vector-Jacobian product
// expressed again in IR ops, so the backward graph is emitted as ONNX like the
// forward. A rule gets the node, the gradients of its outputs (null where an
// output does not reach the loss) and which inputs need a gradient, and returns
// one gradient (or null) per input. Every rule is checked against finite
// differences in grad-rules.test.ts.
//
// [Note: shapes] Broadcasting ops reduce the output gradient back to the input's
// shape with `sumTo`, which relies on the builder's symbolic shapes: a target
// dim of 1 where the gradient's dim is not 1 is summed. Training graphs are
// built with static batch and sequence sizes, so these shapes are concrete.
import type { GraphBuilder, Value } from '../graph/builder.ts'
import type { Dim, HostTensor, Node, OpType } from '../graph/ir.ts'

export interface GradContext {
  b: GraphBuilder
  value(name: string): Value
  /** The initializer behind a value, if it is a constant. */
  constant(name: string): HostTensor | undefined
}

export type GradRule = (ctx: GradContext, node: Node, gOut: (Value | null)[], needs: boolean[]) => (Value | null)[]

function sameDims(a: Dim[], b: Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}

/** Sum a broadcast gradient back to `target`'s shape. */
export function sumTo(b: GraphBuilder, g: Value, target: Dim[]): Value {
  if (sameDims(g.shape, target)) return g
  let r = g
  const lead = g.shape.length - target.length
  if (lead > 0)
    r = b.reduceSum(
      r,
      Array.from({ length: lead }, (_, i) => i),
      false,
    )
  const axes: number[] = []
  target.forEach((d, i) => {
    if (d === 1 && r.shape[i] !== 1) axes.push(i)
  })
  if (axes.length) r = b.reduceSum(r, axes, true)
  return r
}

function intList(ctx: GradContext, name: string | undefined, what: string): number[] | null {
  if (!name) return null
  const t = ctx.constant(name)
  if (!t) throw new Error(`autodiff: ${what} (${name}) must be a constant to differentiate`)
  return Array.from(t.data as ArrayLike<number | bigint>, (x) => Number(x))
}

function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis
}

function attrNum(node: Node, name: string, dflt: number): number {
  const v = node.attrs[name]
  return typeof v === 'number' ? v : dflt
}

function lastTwoSwapped(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i)
  perm[rank - 1] = rank - 2
  perm[rank - 2] = rank - 1
  return perm
}

/** A gradient the shape of `like` with `g` broadcast into it (for reductions). */
function broadcastTo(b: GraphBuilder, g: Value, like: Value): Value {
  return b.expand(g, b.shapeOf(like), like.shape)
}

/** Zeros shaped like `ref` but with `count` entries along `axis` (count static or an int64 [1] value). */
function zerosAlong(b: GraphBuilder, ref: Value, axis: number, count: number | Value): Value {
  const shape: Dim[] = [...ref.shape]
  shape[axis] = typeof count === 'number' ? count : `?pad${axis}`
  const staticShape = typeof count === 'number' && ref.shape.every((d, i) => i === axis || typeof d === 'number')
  let shapeValue: Value
  if (staticShape) shapeValue = b.i64(shape as number[])
  else {
    const parts: Value[] = []
    if (axis > 0) parts.push(b.shapeOf(ref, 0, axis))
    parts.push(typeof count === 'number' ? b.i64([count]) : count)
    if (axis < ref.shape.length - 1) parts.push(b.shapeOf(ref, axis + 1))
    shapeValue = parts.length === 1 ? parts[0]! : b.concat(parts, 0)
  }
  return b.constantOfShape(shapeValue, 0, 'float32', shape)
}

const unbroadcastBinary = (ctx: GradContext, node: Node, ga: Value | null, gb: Value | null): (Value | null)[] => {
  const [a, bb] = node.inputs.map((n) => ctx.value(n))
  return [ga ? sumTo(ctx.b, ga, a!.shape) : null, gb ? sumTo(ctx.b, gb, bb!.shape) : null]
}

const reshapeBack: GradRule = (ctx, node, [g]) => {
  const x = ctx.value(node.inputs[0]!)
  return [ctx.b.reshapeDynamic(g!, ctx.b.shapeOf(x), x.shape)]
}

export const GRAD_RULES: Partial<Record<OpType, GradRule>> = {
  Identity: (_ctx, _n, [g]) => [g!],

  Cast: (ctx, node, [g]) => {
    const x = ctx.value(node.inputs[0]!)
    return [x.dtype === 'float32' && node.attrs.to === 1 ? g! : null]
  },

  Add: (ctx, node, [g], needs) => unbroadcastBinary(ctx, node, needs[0] ? g! : null, needs[1] ? g! : null),

  Sub: (ctx, node, [g], needs) => unbroadcastBinary(ctx, node, needs[0] ? g! : null, needs[1] ? ctx.b.neg(g!) : null),

  Mul: (ctx, node, [g], needs) => {
    const [a, c] = node.inputs.map((n) => ctx.value(n))
    return unbroadcastBinary(ctx, node, needs[0] ? ctx.b.mul(g!, c!) : null, needs[1] ? ctx.b.mul(g!, a!) : null)
  },

  Div: (ctx, node, [g], needs) => {
    const { b } = ctx
    const c = ctx.value(node.inputs[1]!)
    const y = ctx.value(node.outputs[0]!)
    return unbroadcastBinary(ctx, node, needs[0] ? b.div(g!, c) : null, needs[1] ? b.neg(b.div(b.mul(g!, y), c)) : null)
  },

  Pow: (ctx, node, [g], needs) => {
    const { b } = ctx
    const [a, e] = node.inputs.map((n) => ctx.value(n))
    const y = ctx.value(node.outputs[0]!)
    const ga = needs[0] ? b.mul(b.mul(g!, e!), b.pow(a!, b.sub(e!, b.f32(1)))) : null
    const gb = needs[1] ? b.mul(b.mul(g!, y), b.log(a!)) : null
    return unbroadcastBinary(ctx, node, ga, gb)
  },

  Where: (ctx, node, [g], needs) => {
    const { b } = ctx
    const [cond, x, y] = node.inputs.map((n) => ctx.value(n))
    const zero = b.f32(0)
    return [null, needs[1] ? sumTo(b, b.where(cond!, g!, zero), x!.shape) : null, needs[2] ? sumTo(b, b.where(cond!, zero, g!), y!.shape) : null]
  },

  Neg: (ctx, _n, [g]) => [ctx.b.neg(g!)],
  Exp: (ctx, node, [g]) => [ctx.b.mul(g!, ctx.value(node.outputs[0]!))],
  Log: (ctx, node, [g]) => [ctx.b.div(g!, ctx.value(node.inputs[0]!))],
  Sqrt: (ctx, node, [g]) => [ctx.b.div(ctx.b.mul(g!, ctx.b.f32(0.5)), ctx.value(node.outputs[0]!))],
  Reciprocal: (ctx, node, [g]) => {
    const y = ctx.value(node.outputs[0]!)
    return [ctx.b.neg(ctx.b.mul(g!, ctx.b.mul(y, y)))]
  },
  // gelu(x) = 0.5·x·(1 + t), t = tanh(u), u = √(2/π)·(x + 0.044715·x³):
  // gelu'(x) = 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²), from x alone.
  FastGelu: (ctx, node, [g]) => {
    const { b } = ctx
    const x = ctx.value(node.inputs[0]!)
    const c = Math.sqrt(2 / Math.PI)
    const x2 = b.mul(x, x)
    const t = b.tanh(b.mul(b.mul(x, b.f32(c)), b.add(b.mul(x2, b.f32(0.044715)), b.f32(1))))
    const du = b.mul(b.f32(c), b.add(b.mul(x2, b.f32(3 * 0.044715)), b.f32(1)))
    const d = b.mul(b.f32(0.5), b.add(b.add(t, b.f32(1)), b.mul(b.mul(x, b.sub(b.f32(1), b.mul(t, t))), du)))
    return [b.mul(g!, d)]
  },

  Tanh: (ctx, node, [g]) => {
    const { b } = ctx
    const y = ctx.value(node.outputs[0]!)
    return [b.mul(g!, b.sub(b.f32(1), b.mul(y, y)))]
  },
  Sigmoid: (ctx, node, [g]) => {
    const { b } = ctx
    const y = ctx.value(node.outputs[0]!)
    return [b.mul(g!, b.mul(y, b.sub(b.f32(1), y)))]
  },
  Relu: (ctx, node, [g]) => {
    const { b } = ctx
    const x = ctx.value(node.inputs[0]!)
    return [b.where(b.greater(x, b.f32(0)), g!, b.f32(0))]
  },
  Abs: (ctx, node, [g]) => {
    const { b } = ctx
    const x = ctx.value(node.inputs[0]!)
    return [b.where(b.less(x, b.f32(0)), b.neg(g!), g!)]
  },
  Erf: (ctx, node, [g]) => {
    const { b } = ctx
    const x = ctx.value(node.inputs[0]!)
    return [b.mul(b.mul(g!, b.f32(2 / Math.sqrt(Math.PI))), b.exp(b.neg(b.mul(x, x))))]
  },

  MatMul: (ctx, node, [g], needs) => {
    const { b } = ctx
    const [a, w] = node.inputs.map((n) => ctx.value(n)) as [Value, Value]
    let ga: Value | null = null
    let gw: Value | null = null
    if (needs[0]) {
      const n = g!.shape[g!.shape.length - 1]
      if (w.shape.length === 2 && a.shape.length >= 2 && typeof n === 'number') {
        // [Note: no transposed weights] g·wᵀ as one Gemm with transB over the rows: a Transpose of a
        // (frozen) weight would be a runtime copy of it, alive from the forward pass to the backward one.
        const rows = b.gemm(b.reshape(g!, [-1, n]), w, null, { transB: true })
        ga =
          a.shape.length === 2
            ? rows
            : a.shape.every((d) => typeof d === 'number')
              ? b.reshape(rows, a.shape as number[])
              : b.reshapeDynamic(rows, b.shapeOf(a), a.shape)
      } else ga = sumTo(b, b.matmul(g!, b.transpose(w, lastTwoSwapped(w.shape.length))), a.shape)
    }
    if (needs[1]) {
      const k = a.shape[a.shape.length - 1]
      const n = g!.shape[g!.shape.length - 1]
      if (w.shape.length === 2 && a.shape.length > 2 && typeof k === 'number' && typeof n === 'number') {
        // A weight shared over the batch: one [K, rows] x [rows, N] product instead of a batched one plus a sum.
        gw = b.gemm(b.reshape(a, [-1, k]), b.reshape(g!, [-1, n]), null, { transA: true })
      } else gw = sumTo(b, b.matmul(b.transpose(a, lastTwoSwapped(a.shape.length)), g!), w.shape)
    }
    return [ga, gw]
  },

  Gemm: (ctx, node, [g], needs) => {
    const { b } = ctx
    const [a, w, c] = node.inputs.map((n) => (n ? ctx.value(n) : null))
    const transA = attrNum(node, 'transA', 0) === 1
    const transB = attrNum(node, 'transB', 0) === 1
    const alpha = attrNum(node, 'alpha', 1)
    const beta = attrNum(node, 'beta', 1)
    const ga = !needs[0] ? null : transA ? b.gemm(w!, g!, null, { transA: transB, transB: true, alpha }) : b.gemm(g!, w!, null, { transB: !transB, alpha })
    const gw = !needs[1] ? null : transB ? b.gemm(g!, a!, null, { transA: true, transB: transA, alpha }) : b.gemm(a!, g!, null, { transA: !transA, alpha })
    let gc: Value | null = null
    if (c && needs[2]) {
      gc = sumTo(b, g!, c.shape)
      if (beta !== 1) gc = b.mul(gc, b.f32(beta))
    }
    return [ga, gw, gc]
  },

  Softmax: (ctx, node, [g]) => {
    const { b } = ctx
    const y = ctx.value(node.outputs[0]!)
    const axis = attrNum(node, 'axis', -1)
    return [b.mul(y, b.sub(g!, b.reduceSum(b.mul(g!, y), [axis], true)))]
  },

  LogSoftmax: (ctx, node, [g]) => {
    const { b } = ctx
    const y = ctx.value(node.outputs[0]!)
    const axis = attrNum(node, 'axis', -1)
    return [b.sub(g!, b.mul(b.exp(y), b.reduceSum(g!, [axis], true)))]
  },

  LayerNormalization: (ctx, node, [g], needs) => {
    const { b } = ctx
    const [x, scale, bias] = node.inputs.map((n) => (n ? ctx.value(n) : null))
    const axis = normAxis(attrNum(node, 'axis', -1), x!.shape.length)
    if (axis !== x!.shape.length - 1) throw new Error(`autodiff: LayerNormalization ${node.name} normalises axis ${axis}; only the last axis is supported`)
    const eps = attrNum(node, 'epsilon', 1e-5)
    // Recompute the normalised input (cheap next to the matmuls; keeps the forward graph unchanged).
    const mu = b.reduceMean(x!, [-1], true)
    const xc = b.sub(x!, mu)
    const rstd = b.reciprocal(b.sqrt(b.add(b.reduceMean(b.mul(xc, xc), [-1], true), b.f32(eps))))
    const xhat = b.mul(xc, rstd)
    let gx: Value | null = null
    if (needs[0]) {
      const gh = b.mul(g!, scale!)
      const inner = b.sub(b.sub(gh, b.reduceMean(gh, [-1], true)), b.mul(xhat, b.reduceMean(b.mul(gh, xhat), [-1], true)))
      gx = b.mul(inner, rstd)
    }
    const gs = needs[1] ? sumTo(b, b.mul(g!, xhat), scale!.shape) : null
    const gb = bias && needs[2] ? sumTo(b, g!, bias.shape) : null
    return [gx, gs, gb]
  },

  ReduceSum: (ctx, node, [g]) => {
    const { b } = ctx
    const x = ctx.value(node.inputs[0]!)
    const rank = x.shape.length
    const axesIn = intList(ctx, node.inputs[1], 'ReduceSum axes')
    const axes = (axesIn && axesIn.length ? axesIn : Array.from({ length: rank }, (_, i) => i)).map((a) => normAxis(a, rank)).sort((p, q) => p - q)
    const keep = attrNum(node, 'keepdims', 1) === 1
    const gk = keep ? g! : b.unsqueeze(g!, axes)
    return [broadcastTo(b, gk, x), null]
  },

  ReduceMean: (ctx, node, [g]) => {
    const { b } = ctx
    const x = ctx.value(node.inputs[0]!)
    const rank = x.shape.length
    const axesAttr = node.attrs.axes
    const axes = (Array.isArray(axesAttr) && axesAttr.length ? axesAttr : Array.from({ length: rank }, (_, i) => i))
      .map((a) => normAxis(a, rank))
      .sort((p, q) => p - q)
    const dims = axes.map((a) => x.shape[a])
    if (!dims.every((d) => typeof d === 'number'))
      throw new Error(`autodiff: ReduceMean ${node.name} over symbolic dims [${dims}] (build the training graph with static shapes)`)
    const count = (dims as number[]).reduce((p, q) => p * q, 1)
    const keep = attrNum(node, 'keepdims', 1) === 1
    const gk = keep ? g! : b.unsqueeze(g!, axes)
    return [broadcastTo(b, b.mul(gk, b.f32(1 / count)), x)]
  },

  ReduceMax: (ctx, node, [g]) => {
    const { b } = ctx
    const x = ctx.value(node.inputs[0]!)
    const y = ctx.value(node.outputs[0]!)
    const rank = x.shape.length
    const axesAttr = node.attrs.axes
    const axes = (Array.isArray(axesAttr) && axesAttr.length ? axesAttr : Array.from({ length: rank }, (_, i) => i))
      .map((a) => normAxis(a, rank))
      .sort((p, q) => p - q)
    const keep = attrNum(node, 'keepdims', 1) === 1
    const gk = keep ? g! : b.unsqueeze(g!, axes)
    const yk = keep ? y : b.unsqueeze(y, axes)
    // The gradient goes to the maximal entries (ties share it, as in PyTorch's amax).
    const hit = b.cast(b.equal(x, yk), 'float32')
    const share = b.div(hit, b.reduceSum(hit, axes, true))
    return [b.mul(share, gk)]
  },

  Reshape: reshapeBack,
  Squeeze: reshapeBack,
  Unsqueeze: reshapeBack,

  Expand: (ctx, node, [g]) => [sumTo(ctx.b, g!, ctx.value(node.inputs[0]!).shape), null],

  Transpose: (ctx, node, [g]) => {
    const x = ctx.value(node.inputs[0]!)
    const perm = Array.isArray(node.attrs.perm) ? node.attrs.perm : Array.from({ length: x.shape.length }, (_, i) => x.shape.length - 1 - i)
    const inv = new Array<number>(perm.length)
    perm.forEach((p, i) => (inv[p] = i))
    return [ctx.b.transpose(g!, inv)]
  },

  Concat: (ctx, node, [g], needs) => {
    const { b } = ctx
    const xs = node.inputs.map((n) => ctx.value(n))
    const axis = normAxis(attrNum(node, 'axis', 0), xs[0]!.shape.length)
    const out: (Value | null)[] = []
    if (xs.every((x) => typeof x.shape[axis] === 'number')) {
      let off = 0
      xs.forEach((x, i) => {
        const n = x.shape[axis] as number
        out.push(needs[i] ? b.slice(g!, [off], [off + n], [axis]) : null)
        off += n
      })
      return out
    }
    // Runtime sizes (e.g. an empty prefix or caption in a shared graph).
    let start: Value = b.i64([0])
    xs.forEach((x, i) => {
      const end = b.add(start, b.shapeOf(x, axis, axis + 1))
      out.push(needs[i] ? b.sliceDynamic(g!, start, end, [axis], x.shape) : null)
      start = end
    })
    return out
  },

  Slice: (ctx, node, [g]) => {
    const { b } = ctx
    const x = ctx.value(node.inputs[0]!)
    const rank = x.shape.length
    const starts = intList(ctx, node.inputs[1], 'Slice starts')!
    const ends = intList(ctx, node.inputs[2], 'Slice ends')!
    const axes = (intList(ctx, node.inputs[3], 'Slice axes') ?? starts.map((_, i) => i)).map((a) => normAxis(a, rank))
    const steps = intList(ctx, node.inputs[4], 'Slice steps')
    if (steps && steps.some((s) => s !== 1)) throw new Error(`autodiff: Slice ${node.name} with steps [${steps}] is not supported`)
    // Pad the gradient with zeros back to the input's extent, one axis at a time.
    let r = g!
    axes.forEach((a, i) => {
      const d = x.shape[a]!
      const s = starts[i]!
      const e = ends[i]!
      let before: number
      let after: number | Value
      if (typeof d === 'number') {
        const cs = Math.min(Math.max(s < 0 ? s + d : s, 0), d)
        const ce = Math.min(Math.max(e < 0 ? e + d : e, 0), d)
        before = cs
        after = d - Math.max(ce, cs)
      } else if (s >= 0 && e < 0) {
        before = s
        after = -e
      } else if (s >= 0 && e >= 2 ** 61) {
        before = s
        after = 0
      } else if (s >= 0) {
        before = s
        after = b.sub(b.shapeOf(x, a, a + 1), b.i64([e]))
      } else throw new Error(`autodiff: Slice ${node.name} from ${s} on symbolic axis ${a} is not supported`)
      const parts: Value[] = []
      if (before > 0) parts.push(zerosAlong(b, r, a, before))
      parts.push(r)
      if (typeof after !== 'number' || after > 0) parts.push(zerosAlong(b, r, a, after))
      const shape: Dim[] = [...r.shape]
      shape[a] = d
      if (parts.length > 1) {
        r = b.concat(parts, a)
        r.shape[a] = d
      }
    })
    return [r, null, null, null, null]
  },

  Gather: (ctx, node, [g]) => {
    const { b } = ctx
    const [data, indices] = node.inputs.map((n) => ctx.value(n)) as [Value, Value]
    const axis = normAxis(attrNum(node, 'axis', 0), data.shape.length)
    if (axis !== 0) throw new Error(`autodiff: Gather ${node.name} on axis ${axis}: only axis 0 (embedding lookups) is differentiable`)
    // Scatter-add the rows back: repeated token ids sum their gradients.
    const zeros = b.constantOfShape(b.shapeOf(data), 0, 'float32', data.shape)
    const idx = b.unsqueeze(indices, [-1])
    const [out] = b.node('ScatterND', [zeros, idx, g!], { reduction: 'add' }, [{ dtype: 'float32', shape: data.shape }])
    return [out!, null]
  },
}
