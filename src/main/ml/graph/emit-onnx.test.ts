import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { GraphBuilder } from './builder.ts'
import { emitOnnx } from './emit-onnx.ts'
import { consumers, producers } from './ir.ts'

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'graph-'))
}

describe('graph builder + emitOnnx', () => {
  it('runs a small graph in ORT with big weights in one external data file', async () => {
    const g = new GraphBuilder('tiny')
    const x = g.input('x', 'float32', ['B', 4])
    const wData = Float32Array.from({ length: 4 * 300 }, (_, i) => ((i * 7) % 13) / 13 - 0.5)
    const w = g.initializer('w', { dtype: 'float32', shape: [4, 300], data: wData })
    const b = g.initializer('b', { dtype: 'float32', shape: [300], data: new Float32Array(300).fill(0.25) })
    const y = g.geluTanh(g.linear(x, w, b))
    expect(y.shape).toEqual(['B', 300])
    const s = g.reduceSum(y, [-1], false)
    g.output(s, 'sum')
    const graph = g.build()
    // walkable structure
    expect(graph.inputs).toEqual(['x'])
    expect(graph.outputs).toEqual(['sum'])
    expect(producers(graph).get('sum')?.op).toBe('ReduceSum')
    expect(consumers(graph).get('w')?.[0]?.op).toBe('MatMul')

    const dir = tmpDir()
    const res = emitOnnx(graph, { dir, externalDataThreshold: 1024 })
    expect(res.dataPath).toBe(path.join(dir, 'model.onnx.data'))
    expect(fs.statSync(res.dataPath!).size).toBeGreaterThanOrEqual(4 * 300 * 4 + 300 * 4)
    expect(res.modelBytes).toBeLessThan(4096) // weights are not inlined

    const session = await ort.InferenceSession.create(res.modelPath, { intraOpNumThreads: 1 })
    const xs = Float32Array.from([1, -2, 0.5, 3, 0, 0, 0, 0])
    const out = await session.run({ x: new ort.Tensor('float32', xs, [2, 4]) })
    const got = out.sum!.data as Float32Array
    for (let row = 0; row < 2; row++) {
      let sum = 0
      for (let j = 0; j < 300; j++) {
        let h = 0.25
        for (let k = 0; k < 4; k++) h += xs[row * 4 + k]! * wData[k * 300 + j]!
        sum += 0.5 * h * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (h + 0.044715 * h ** 3)))
      }
      expect(got[row]).toBeCloseTo(sum, 3)
    }
    await session.release()
  })

  it('infers symbolic shapes through reshape, transpose, concat, slice, gather', () => {
    const g = new GraphBuilder('shapes')
    const x = g.input('x', 'float32', ['B', 'T', 8])
    const heads = g.transpose(g.reshape(x, [0, 0, 2, 4]), [0, 2, 1, 3])
    expect(heads.shape).toEqual(['B', 2, 'T', 4])
    const past = g.input('past', 'float32', ['B', 2, 'P', 4])
    expect(g.concat([past, heads], 2).shape[2]).toMatch(/^\?/)
    expect(g.slice(x, [-1], [Infinity], [1]).shape).toEqual(['B', 1, 8])
    const ids = g.input('ids', 'int64', ['B', 'T'])
    const table = g.input('table', 'float32', [50, 8])
    expect(g.gather(table, ids).shape).toEqual(['B', 'T', 8])
    expect(g.matmul(x, g.input('w', 'float32', [8, 3])).shape).toEqual(['B', 'T', 3])
    expect(() => g.matmul(x, g.input('w2', 'float32', [7, 3]))).toThrow(/inner dimensions/)
  })

  it('inlines everything below the threshold and writes no data file', () => {
    const g = new GraphBuilder('small')
    const x = g.input('x', 'float32', [2])
    g.output(g.add(x, g.f32([1, 2])), 'y')
    const dir = tmpDir()
    fs.writeFileSync(path.join(dir, 'model.onnx.data'), 'stale')
    const res = emitOnnx(g.build(), { dir })
    expect(res.dataPath).toBeNull()
    expect(fs.existsSync(path.join(dir, 'model.onnx.data'))).toBe(false)
  })
})
