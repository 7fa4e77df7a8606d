import { describe, expect, it } from 'vitest'
import type { GraphBuilder, Value } from '../graph/builder.ts'
import type { HostTensor } from '../weights/tensor.ts'
import { checkGradients, randomTensor, type GradCheckInput } from './gradcheck.ts'

interface Case {
  name: string
  inputs: GradCheckInput[]
  build: (b: GraphBuilder, xs: Value[]) => Value
  h?: number
}

const r = (name: string, shape: number[], seed: number, scale = 1, offset = 0): GradCheckInput => ({ name, tensor: randomTensor(shape, seed, scale, offset) })
const i64 = (name: string, shape: number[], values: number[]): GradCheckInput => ({
  name,
  tensor: { dtype: 'int64', shape, data: BigInt64Array.from(values.map(BigInt)) },
})
const boolT = (shape: number[], values: boolean[]): HostTensor => ({ dtype: 'bool', shape, data: Uint8Array.from(values.map(Number)) })

const CASES: Case[] = [
  { name: 'Add (broadcast both ways)', inputs: [r('a', [2, 3, 4], 1), r('b', [3, 1], 2)], build: (b, [x, y]) => b.add(x!, y!) },
  { name: 'Sub (broadcast)', inputs: [r('a', [4], 3), r('b', [2, 3, 4], 4)], build: (b, [x, y]) => b.sub(x!, y!) },
  { name: 'Mul (broadcast)', inputs: [r('a', [2, 3, 4], 5), r('b', [1, 3, 1], 6)], build: (b, [x, y]) => b.mul(x!, y!) },
  { name: 'Div', inputs: [r('a', [2, 3], 7), r('b', [2, 3], 8, 0.5, 2)], build: (b, [x, y]) => b.div(x!, y!) },
  { name: 'Pow (constant exponent)', inputs: [r('a', [2, 3], 9, 0.5, 1.5)], build: (b, [x]) => b.pow(x!, b.f32(3)) },
  { name: 'Pow (both inputs)', inputs: [r('a', [2, 3], 10, 0.5, 1.5), r('e', [3], 11, 0.5, 1)], build: (b, [x, e]) => b.pow(x!, e!) },
  {
    name: 'Where',
    inputs: [r('a', [2, 3], 12), r('b', [3], 13)],
    build: (b, [x, y]) => b.where(b.constant(boolT([2, 3], [true, false, true, false, false, true]), 'cond'), x!, y!),
  },
  { name: 'Neg', inputs: [r('a', [5], 14)], build: (b, [x]) => b.neg(x!) },
  { name: 'Exp', inputs: [r('a', [5], 15)], build: (b, [x]) => b.exp(x!) },
  { name: 'Log', inputs: [r('a', [5], 16, 0.5, 2)], build: (b, [x]) => b.log(x!) },
  { name: 'Sqrt', inputs: [r('a', [5], 17, 0.5, 2)], build: (b, [x]) => b.sqrt(x!) },
  { name: 'Reciprocal', inputs: [r('a', [5], 18, 0.5, 2)], build: (b, [x]) => b.reciprocal(x!) },
  { name: 'Tanh', inputs: [r('a', [5], 19, 2)], build: (b, [x]) => b.tanh(x!) },
  { name: 'Sigmoid', inputs: [r('a', [5], 20, 2)], build: (b, [x]) => b.sigmoid(x!) },
  {
    name: 'Relu (away from the kink)',
    inputs: [{ name: 'a', tensor: { dtype: 'float32', shape: [6], data: Float32Array.from([-1, 0.5, -0.3, 2, 0.2, -2]) } }],
    build: (b, [x]) => b.relu(x!),
  },
  { name: 'Abs', inputs: [{ name: 'a', tensor: { dtype: 'float32', shape: [4], data: Float32Array.from([-1, 0.5, -0.3, 2]) } }], build: (b, [x]) => b.abs(x!) },
  { name: 'Erf', inputs: [r('a', [5], 21, 2)], build: (b, [x]) => b.erf(x!) },
  { name: 'Identity + Cast float32', inputs: [r('a', [3], 22)], build: (b, [x]) => b.cast(b.identity(x!), 'float32') },
  { name: 'MatMul batched x 2-D weight', inputs: [r('a', [2, 3, 4], 23), r('w', [4, 5], 24)], build: (b, [x, w]) => b.matmul(x!, w!) },
  { name: 'MatMul batched x batched', inputs: [r('a', [2, 3, 4], 25), r('w', [2, 4, 5], 26)], build: (b, [x, w]) => b.matmul(x!, w!) },
  { name: 'MatMul broadcast batch', inputs: [r('a', [2, 1, 3, 4], 27), r('w', [3, 4, 2], 28)], build: (b, [x, w]) => b.matmul(x!, w!) },
  { name: 'Gemm plain + C row', inputs: [r('a', [3, 4], 29), r('w', [4, 5], 30), r('c', [5], 31)], build: (b, [x, w, c]) => b.gemm(x!, w!, c!) },
  {
    name: 'Gemm transA transB alpha beta',
    inputs: [r('a', [4, 3], 32), r('w', [5, 4], 33), r('c', [3, 1], 34)],
    build: (b, [x, w, c]) => b.gemm(x!, w!, c!, { transA: true, transB: true, alpha: 0.7, beta: 1.3 }),
  },
  { name: 'Gemm transB only', inputs: [r('a', [3, 4], 35), r('w', [5, 4], 36)], build: (b, [x, w]) => b.gemm(x!, w!, null, { transB: true }) },
  { name: 'Gemm transA only', inputs: [r('a', [4, 3], 37), r('w', [4, 5], 38)], build: (b, [x, w]) => b.gemm(x!, w!, null, { transA: true }) },
  { name: 'Softmax last axis', inputs: [r('a', [2, 3, 5], 39, 2)], build: (b, [x]) => b.softmax(x!, -1) },
  { name: 'Softmax axis 1', inputs: [r('a', [2, 3, 5], 40, 2)], build: (b, [x]) => b.softmax(x!, 1) },
  { name: 'LogSoftmax', inputs: [r('a', [2, 7], 41, 2)], build: (b, [x]) => b.logSoftmax(x!, -1) },
  {
    name: 'LayerNormalization',
    inputs: [r('x', [2, 3, 6], 42, 2), r('g', [6], 43, 0.5, 1), r('beta', [6], 44)],
    build: (b, [x, g, be]) => b.layerNorm(x!, g!, be!, 1e-5),
  },
  { name: 'ReduceSum keepdims', inputs: [r('a', [2, 3, 4], 45)], build: (b, [x]) => b.reduceSum(x!, [1], true) },
  { name: 'ReduceSum no keepdims, two axes', inputs: [r('a', [2, 3, 4], 46)], build: (b, [x]) => b.reduceSum(x!, [0, 2], false) },
  { name: 'ReduceMean', inputs: [r('a', [2, 3, 4], 47)], build: (b, [x]) => b.reduceMean(x!, [-1], false) },
  { name: 'ReduceMax', inputs: [r('a', [3, 5], 48)], build: (b, [x]) => b.reduceMax(x!, [1], true) },
  { name: 'Reshape', inputs: [r('a', [2, 3, 4], 49)], build: (b, [x]) => b.reshape(x!, [0, 12]) },
  { name: 'Transpose', inputs: [r('a', [2, 3, 4], 50)], build: (b, [x]) => b.transpose(x!, [2, 0, 1]) },
  { name: 'Concat', inputs: [r('a', [2, 3], 51), r('c', [2, 2], 52)], build: (b, [x, y]) => b.concat([x!, y!, x!], 1) },
  { name: 'Slice with a negative end (the loss slice)', inputs: [r('a', [2, 7, 3], 53)], build: (b, [x]) => b.slice(x!, [2], [-1], [1]) },
  { name: 'Slice two axes', inputs: [r('a', [4, 6], 54)], build: (b, [x]) => b.slice(x!, [1, 0], [3, 4], [0, 1]) },
  {
    name: 'Gather rows with repeated indices',
    inputs: [r('w', [6, 3], 55), i64('ids', [2, 3], [1, 4, 1, 0, 5, 1])],
    build: (b, [w, ids]) => b.gather(w!, ids!, 0),
  },
  { name: 'Unsqueeze + Squeeze', inputs: [r('a', [2, 3], 56)], build: (b, [x]) => b.mul(b.unsqueeze(x!, [1]), b.squeeze(b.unsqueeze(x!, [0, 1]), [0])) },
  { name: 'Expand', inputs: [r('a', [3, 1], 57)], build: (b, [x]) => b.expand(x!, b.i64([2, 3, 4]), [2, 3, 4]) },
  { name: 'composite: gelu_new', inputs: [r('a', [7], 58, 3)], build: (b, [x]) => b.geluTanh(x!) },
  { name: 'FastGelu (gelu_new as the one kernel training graphs use)', inputs: [r('a', [7], 58, 3)], build: (b, [x]) => b.fastGelu(x!) },
  { name: 'composite: L2 normalisation', inputs: [r('a', [2, 5], 59, 1, 0.3)], build: (b, [x]) => b.l2Normalize(x!) },
  {
    name: 'composite: shared weight used twice (tied embedding)',
    inputs: [r('w', [5, 3], 60), i64('ids', [4], [0, 3, 3, 1])],
    build: (b, [w, ids]) => b.matmul(b.gather(w!, ids!, 0), b.transpose(w!, [1, 0])),
  },
]

describe('gradient rules vs central finite differences (float32, ORT)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const res = await checkGradients(c.build, c.inputs, { h: c.h ?? 4e-3, maxCoords: 40 })
      expect(res.inputs.length).toBeGreaterThan(0)
      for (const g of res.inputs) {
        // float32 central differences: rounding ~1e-7/h, truncation ~h²; both far below 2e-3.
        expect(g.maxAbsErr, `${c.name}: d/d${g.name} (max |grad| ${g.maxGrad})`).toBeLessThan(2e-3 + 2e-3 * g.maxGrad)
        expect(g.maxGrad, `${c.name}: d/d${g.name} must not be trivially zero`).toBeGreaterThan(0)
        expect(g.checked).toBeGreaterThan(0)
      }
    })
  }

  it('rejects an op it cannot differentiate, naming it', async () => {
    await expect(checkGradients((b, [x]) => b.reduceSum(b.slice(x!, [0], [4], [1], [2]), [0, 1], false), [r('a', [2, 4], 62)])).rejects.toThrow(
      /Slice .* steps \[2\]/,
    )
  })

  it('gives a zero gradient where the loss does not depend on the input (integer paths carry none)', async () => {
    const res = await checkGradients((b, [x]) => b.reduceSum(b.cast(b.argMax(x!, 1, true), 'float32'), [0, 1], false), [r('a', [2, 3], 61)])
    expect(res.inputs[0]!.maxGrad).toBe(0)
    expect(res.inputs[0]!.maxAbsErr).toBe(0)
  })
})
