import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { encodeSafetensors, openSafetensors, readSafetensors, writeSafetensors } from './safetensors.ts'
import { halfToFloat } from './to-float32.ts'
import { f32 } from './tensor.ts'

const goldenGpt2 = path.resolve(__dirname, '../../../../../shared/reference/golden/gpt2_tiny/model.safetensors')

describe('safetensors', () => {
  it('round-trips float32, int64 and uint8 tensors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-'))
    const file = path.join(dir, 'x.safetensors')
    writeSafetensors(
      file,
      {
        b: f32([2, 2], [1, -2, 3.5, 4]),
        a: { dtype: 'int64', shape: [3], data: BigInt64Array.from([1n, -2n, 3n]) },
        c: { dtype: 'uint8', shape: [2], data: Uint8Array.from([7, 255]) },
      },
      { format: 'pt' },
    )
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
    expect(() => openSafetensors(truncated)).toThrow(/trunc\.safetensors: tensor "w" has data_offsets \[0, 16\] beyond the 12 data bytes of the file/)
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

  it('validates every header entry: one line naming the file, the tensor and the reason', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-'))
    const withHeader = (name: string, header: unknown, dataBytes = 64): string => {
      const json = Buffer.from(JSON.stringify(header))
      const len = Buffer.alloc(8)
      len.writeBigUInt64LE(BigInt(json.length))
      const file = path.join(dir, name)
      fs.writeFileSync(file, Buffer.concat([len, json, Buffer.alloc(dataBytes)]))
      return file
    }
    const cases: Array<[string, unknown, RegExp]> = [
      ['no-offsets', { w: { dtype: 'F32', shape: [4] } }, /no-offsets\.safetensors: tensor "w" has no data_offsets$/],
      ['shape-string', { w: { dtype: 'F32', shape: 'big', data_offsets: [0, 16] } }, /shape-string\.safetensors: tensor "w" has a shape that is not a list/],
      ['shape-negative', { w: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, /shape-negative\.safetensors: tensor "w" has an invalid shape \[-4\]/],
      ['negative', { w: { dtype: 'F32', shape: [4], data_offsets: [-16, 0] } }, /negative\.safetensors: tensor "w" has invalid data_offsets \[-16,0\]/],
      [
        'backwards',
        { w: { dtype: 'F32', shape: [0], data_offsets: [16, 0] } },
        /backwards\.safetensors: tensor "w" has data_offsets \[16, 0\] that end before they begin/,
      ],
      [
        'overlap',
        { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] } },
        /overlap\.safetensors: tensors a \[0,16\] and b \[8,24\] overlap/,
      ],
      ['dtype', { w: { dtype: 'toString', shape: [1], data_offsets: [0, 1] } }, /dtype\.safetensors: tensor "w" has unsupported dtype "toString"/],
      ['not-object', { w: 7 }, /not-object\.safetensors: tensor "w" is not an object in the header/],
      ['array', [1, 2], /array\.safetensors: not a safetensors file \(header is not a JSON object\)/],
      ['metadata', { __metadata__: { a: 1 } }, /metadata\.safetensors: __metadata__ is not an object of strings/],
    ]
    for (const [name, header, message] of cases) {
      const file = withHeader(`${name}.safetensors`, header)
      expect(() => openSafetensors(file), name).toThrow(message)
      try {
        openSafetensors(file)
      } catch (error) {
        expect((error as Error).message.split('\n'), name).toHaveLength(1)
      }
    }
  })
})
