import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { encodeSafetensors, halfToFloat, openSafetensors, readSafetensors, writeSafetensors } from './safetensors.ts'
import { f32 } from './tensor.ts'

const goldenGpt2 = path.resolve(__dirname, '../../../../../shared/reference/golden/gpt2_tiny/model.safetensors')

describe('safetensors', () => {
  it('round-trips float32, int64 and uint8 tensors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-'))
    const file = path.join(dir, 'x.safetensors')
    writeSafetensors(file, {
      b: f32([2, 2], [1, -2, 3.5, 4]),
      a: { dtype: 'int64', shape: [3], data: BigInt64Array.from([1n, -2n, 3n]) },
      c: { dtype: 'uint8', shape: [2], data: Uint8Array.from([7, 255]) },
    }, { format: 'pt' })
    const back = openSafetensors(file)
    expect(back.names).toEqual(['a', 'b', 'c'])
    expect(back.metadata).toEqual({ format: 'pt' })
    expect(Array.from(back.get('b').data as Float32Array)).toEqual([1, -2, 3.5, 4])
    expect(Array.from(back.get('a').data as BigInt64Array)).toEqual([1n, -2n, 3n])
    expect(Array.from(back.get('c').data as Uint8Array)).toEqual([7, 255])
    // data starts 8-byte aligned, as the format requires
    const buf = fs.readFileSync(file)
    expect((8 + Number(buf.readBigUInt64LE(0))) % 8).toBe(0)
  })

  it('rejects truncated and non-safetensors files with the file name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-'))
    const bad = path.join(dir, 'bad.safetensors')
    fs.writeFileSync(bad, 'hello world, not weights')
    expect(() => openSafetensors(bad)).toThrow(/bad\.safetensors: not a safetensors file/)
    const good = encodeSafetensors({ w: f32([4], [1, 2, 3, 4]) })
    const truncated = path.join(dir, 'trunc.safetensors')
    fs.writeFileSync(truncated, good.subarray(0, good.length - 4))
    expect(() => openSafetensors(truncated)).toThrow(/trunc\.safetensors: tensor w has inconsistent offsets/)
  })

  it('widens half floats', () => {
    expect(halfToFloat(0x3c00)).toBe(1)
    expect(halfToFloat(0xc000)).toBe(-2)
    expect(halfToFloat(0x0001)).toBeCloseTo(5.96e-8, 10)
  })

  it.skipIf(!fs.existsSync(goldenGpt2))('reads the golden GPT-2 weights (skipped: ../shared/reference absent)', () => {
    const t = readSafetensors(goldenGpt2)
    expect(t.get('transformer.h.0.attn.c_attn.weight')!.shape).toEqual([32, 96])
  })
})
