import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deflateRawSync } from 'node:zlib'
import { readSafetensors } from './safetensors.ts'
import type { HostTensor } from './tensor.ts'
import { readTorchCheckpoint, TorchCheckpointError, unpickleRestricted } from './torch-checkpoint.ts'
import { PickleWriter, zip } from '../../../../test/helpers/torch-zip.ts'

const fixtures = path.resolve(import.meta.dirname, '../../../../test/fixtures')
const mlpPt = path.join(fixtures, 'torch-checkpoints/mlp-clipcap.pt')
const transformerPt = path.join(fixtures, 'torch-checkpoints/transformer-clipcap.pt')
// The packs' safetensors are byte-identical to these golden copies (same sha256).
const gpt2Safetensors = path.join(fixtures, 'golden/gpt2_tiny/model.safetensors')
const mlpSafetensors = path.join(fixtures, 'golden/clipcap_mapping/mlp.safetensors')
const transformerSafetensors = path.join(fixtures, 'golden/clipcap_mapping/transformer.safetensors')

function expectSameTensor(actual: HostTensor | undefined, expected: HostTensor | undefined, name: string): void {
  expect(actual, name).toBeDefined()
  expect(expected, name).toBeDefined()
  expect(actual!.dtype, name).toBe(expected!.dtype)
  expect(actual!.shape, name).toEqual(expected!.shape)
  expect(
    Buffer.from(actual!.data.buffer, actual!.data.byteOffset, actual!.data.byteLength).equals(
      Buffer.from(expected!.data.buffer, expected!.data.byteOffset, expected!.data.byteLength),
    ),
    `${name} bytes`,
  ).toBe(true)
}

describe("PyTorch zip checkpoints (the packs' clipcap.pt files)", () => {
  it('MLP + tuned GPT-2 checkpoint: 37 keys equal to the safetensors tensor for tensor', () => {
    const pt = readTorchCheckpoint(mlpPt)
    expect(pt.size).toBe(37)
    const gpt2 = readSafetensors(gpt2Safetensors)
    const mapping = readSafetensors(mlpSafetensors)
    let compared = 0
    for (const [name, tensor] of pt) {
      if (name.startsWith('clip_project.')) {
        expectSameTensor(tensor, mapping.get(name), name)
        compared++
      } else if (/\.attn\.(bias|masked_bias)$/.test(name)) {
        continue
      } else {
        // gpt.transformer.X -> the golden file's names (prefixed `transformer.`), lm_head is tied to wte
        const key = name.replace(/^gpt\./, '')
        const want = gpt2.get(key) ?? (key === 'lm_head.weight' ? gpt2.get('transformer.wte.weight') : undefined)
        expectSameTensor(tensor, want, name)
        compared++
      }
    }
    expect(compared).toBe(37 - 2 * 2)
    expect([...mapping.keys()].every((k) => pt.has(k))).toBe(true)
  })

  it('reads the transformers 4.10 buffers: uint8 lower-triangular attn.bias and the -1e4 masked_bias scalar', () => {
    const pt = readTorchCheckpoint(mlpPt)
    const bias = pt.get('gpt.transformer.h.0.attn.bias')!
    expect(bias.dtype).toBe('uint8')
    expect(bias.shape.slice(0, 2)).toEqual([1, 1])
    const n = bias.shape[2]!
    expect(bias.shape[3]).toBe(n)
    for (const [i, j] of [
      [0, 0],
      [5, 3],
      [3, 5],
      [n - 1, n - 1],
      [0, n - 1],
    ] as const)
      expect(bias.data[i * n + j]).toBe(j <= i ? 1 : 0)
    const masked = pt.get('gpt.transformer.h.0.attn.masked_bias')!
    expect(masked.shape).toEqual([])
    expect(Array.from(masked.data as Float32Array)).toEqual([-10000])
  })

  it('keeps lm_head.weight and wte sharing one storage (one array, not two copies)', () => {
    const pt = readTorchCheckpoint(mlpPt)
    expect(pt.get('gpt.lm_head.weight')!.data).toBe(pt.get('gpt.transformer.wte.weight')!.data)
  })

  it('transformer mapping checkpoint equals its safetensors', () => {
    const pt = readTorchCheckpoint(transformerPt)
    const st = readSafetensors(transformerSafetensors)
    expect([...pt.keys()].sort()).toEqual([...st.keys()].sort())
    for (const [name, tensor] of st) expectSameTensor(pt.get(name), tensor, name)
  })
})

// ---- hand-built checkpoints: non-contiguous views, dtypes, refusal of foreign globals

describe('hand-built checkpoints', () => {
  let dir: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torch-ckpt-'))
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
  const write = (name: string, data: Buffer): string => {
    const file = path.join(dir, name)
    fs.writeFileSync(file, data)
    return file
  }

  it('non-contiguous views (a transpose, an offset slice), fp16, bf16, int64, bool, deflated entries', () => {
    const f32 = Buffer.from(new Float32Array([0, 1, 2, 3, 4, 5]).buffer)
    const f16 = Buffer.from(new Uint16Array([0x3c00, 0xc000, 0x3555, 0x7c00]).buffer) // 1, -2, 0.333..., inf
    const bf16 = Buffer.from(new Uint16Array([0x3f80, 0x4049]).buffer) // 1, 3.140625
    const i64 = Buffer.from(new BigInt64Array([7n, -3n, 1n << 40n]).buffer)
    const bools = Buffer.from([1, 0, 1])
    const pkl = new PickleWriter()
      .global('collections', 'OrderedDict')
      .raw(0x29, 0x52)
      .raw(0x28)
      .tensor('m', 'FloatStorage', '0', 6, 0, [2, 3], [3, 1])
      .tensor('m_t', 'FloatStorage', '0', 6, 0, [3, 2], [1, 3])
      .tensor('row1', 'FloatStorage', '0', 6, 3, [3], [1])
      .tensor('col2', 'FloatStorage', '0', 6, 2, [2], [3])
      .tensor('h', 'HalfStorage', '1', 4, 0, [4], [1])
      .tensor('b', 'BFloat16Storage', '2', 2, 0, [2], [1])
      .tensor('ids', 'LongStorage', '3', 3, 0, [3], [1])
      .tensor('flags', 'BoolStorage', '4', 3, 0, [3], [1])
      .raw(0x75, 0x2e)
      .bytes()
    for (const deflate of [false, true]) {
      const file = write(
        `views-${deflate}.pt`,
        zip(
          [
            ['archive/data.pkl', pkl],
            ['archive/data/0', f32],
            ['archive/data/1', f16],
            ['archive/data/2', bf16],
            ['archive/data/3', i64],
            ['archive/data/4', bools],
            ['archive/version', Buffer.from('3\n')],
          ],
          deflate,
        ),
      )
      const t = readTorchCheckpoint(file)
      expect(Array.from(t.get('m')!.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5])
      expect(t.get('m_t')!.shape).toEqual([3, 2])
      expect(Array.from(t.get('m_t')!.data as Float32Array)).toEqual([0, 3, 1, 4, 2, 5])
      expect(Array.from(t.get('row1')!.data as Float32Array)).toEqual([3, 4, 5])
      expect(Array.from(t.get('col2')!.data as Float32Array)).toEqual([2, 5])
      const h = t.get('h')!
      expect(h.dtype).toBe('float32')
      expect(Array.from(h.data as Float32Array)).toEqual([1, -2, Math.fround(0.333251953125), Infinity])
      expect(Array.from(t.get('b')!.data as Float32Array)).toEqual([1, 3.140625])
      expect(t.get('ids')!.dtype).toBe('int64')
      expect(Array.from(t.get('ids')!.data as BigInt64Array)).toEqual([7n, -3n, 1n << 40n])
      expect(t.get('flags')!.dtype).toBe('bool')
      expect(Array.from(t.get('flags')!.data as Uint8Array)).toEqual([1, 0, 1])
    }
  })

  it('refuses globals outside the whitelist without running anything', () => {
    const evil = new PickleWriter().global('os', 'system').str('echo pwned').raw(0x85, 0x52, 0x2e).bytes()
    const file = write('evil.pt', zip([['archive/data.pkl', evil]]))
    expect(() => readTorchCheckpoint(file)).toThrow(TorchCheckpointError)
    expect(() => readTorchCheckpoint(file)).toThrow(/evil\.pt: the checkpoint refers to the Python global "os\.system", which is not allowed/)
    expect(() => unpickleRestricted(new PickleWriter().global('builtins', 'eval').raw(0x2e).bytes(), () => null)).toThrow(
      /"builtins\.eval", which is not allowed/,
    )
    // an opcode a state dict never needs (INST)
    expect(() => unpickleRestricted(Buffer.from([0x80, 2, 0x69]), () => null)).toThrow(/opcode 0x69 at byte 2 is not allowed/)
  })

  it('clear errors for non-zip, legacy, empty, truncated and inconsistent files', () => {
    expect(() => readTorchCheckpoint(write('text.pt', Buffer.from('hello')))).toThrow(/text\.pt: not a PyTorch checkpoint \(expected a zip archive\)/)
    expect(() => readTorchCheckpoint(write('legacy.pt', Buffer.from([0x80, 2, 0x8a, 0x0a])))).toThrow(/legacy\.pt: legacy PyTorch checkpoint \(torch < 1\.6/)
    expect(() => readTorchCheckpoint(write('empty.pt', Buffer.alloc(0)))).toThrow(/empty\.pt: empty file/)
    expect(() => readTorchCheckpoint(path.join(dir, 'missing.pt'))).toThrow(/missing\.pt: cannot open checkpoint \(ENOENT\)/)
    const full = fs.readFileSync(transformerPt)
    expect(() => readTorchCheckpoint(write('truncated.pt', full.subarray(0, full.length >> 1)))).toThrow(
      /truncated\.pt: not a zip archive|truncated\.pt: truncated/,
    )
    const pkl = new PickleWriter()
      .global('collections', 'OrderedDict')
      .raw(0x29, 0x52)
      .raw(0x28)
      .tensor('w', 'FloatStorage', '0', 4, 2, [2, 2], [2, 1])
      .raw(0x75, 0x2e)
      .bytes()
    const outside = write(
      'outside.pt',
      zip([
        ['a/data.pkl', pkl],
        ['a/data/0', Buffer.alloc(16)],
      ]),
    )
    expect(() => readTorchCheckpoint(outside)).toThrow(
      /outside\.pt: tensor w \(offset 2, size \[2,2\], stride \[2,1\]\) reaches outside its storage of 4 elements/,
    )
    const short = write(
      'short.pt',
      zip([
        ['a/data.pkl', pkl.subarray(0, pkl.length - 5)],
        ['a/data/0', Buffer.alloc(16)],
      ]),
    )
    expect(() => readTorchCheckpoint(short)).toThrow(/short\.pt: pickle/)
    const noStorage = write(
      'nostorage.pt',
      zip([
        [
          'a/data.pkl',
          new PickleWriter()
            .global('collections', 'OrderedDict')
            .raw(0x29, 0x52)
            .raw(0x28)
            .tensor('w', 'FloatStorage', '0', 4, 0, [4], [1])
            .raw(0x75, 0x2e)
            .bytes(),
        ],
      ]),
    )
    expect(() => readTorchCheckpoint(noStorage)).toThrow(/nostorage\.pt: archive has no entry a\/data\/0/)
  })

  it('refuses hostile archives with one line naming the file and the reason', () => {
    const pkl = new PickleWriter()
      .global('collections', 'OrderedDict')
      .raw(0x29, 0x52)
      .raw(0x28)
      .tensor('w', 'FloatStorage', '0', 4, 0, [4], [1])
      .raw(0x75, 0x2e)
      .bytes()
    const storage = Buffer.alloc(16)
    const bomb = write(
      'bomb.pt',
      zip([{ name: 'a/data.pkl', data: pkl, body: deflateRawSync(Buffer.alloc(16 << 20)), size: pkl.length }, ['a/data/0', storage]]),
    )
    expect(() => readTorchCheckpoint(bomb)).toThrow(
      `${bomb}: entry a/data.pkl inflates to more than its declared ${pkl.length} bytes (a zip bomb or a corrupt archive)`,
    )
    const huge = write('huge.pt', zip([{ name: 'a/data.pkl', data: pkl, body: deflateRawSync(pkl), size: 0xfffffff0 }, ['a/data/0', storage]]))
    expect(() => readTorchCheckpoint(huge)).toThrow(/huge\.pt: entry a\/data\.pkl declares 4294967280 bytes, over the 536870912 bytes one entry may have/)
    const climb = write(
      'climb.pt',
      zip([
        ['a/data.pkl', pkl],
        ['a/data/0', storage],
        ['../x', Buffer.from('x')],
      ]),
    )
    expect(() => readTorchCheckpoint(climb)).toThrow(`${climb}: zip entry "../x" is refused: its name climbs out of the archive (..)`)
    const absolute = write(
      'absolute.pt',
      zip([
        ['a/data.pkl', pkl],
        ['/etc/x', Buffer.from('x')],
      ]),
    )
    expect(() => readTorchCheckpoint(absolute)).toThrow(/absolute\.pt: zip entry "\/etc\/x" is refused: its name is an absolute path/)
    const twice = write(
      'twice.pt',
      zip([
        ['a/data.pkl', pkl],
        ['a/data.pkl', pkl],
      ]),
    )
    expect(() => readTorchCheckpoint(twice)).toThrow(/twice\.pt: zip entry "a\/data\.pkl" appears twice/)
  })

  it('refuses a view with more elements than its storage (stride 0) before allocating it', () => {
    const pkl = new PickleWriter()
      .global('collections', 'OrderedDict')
      .raw(0x29, 0x52)
      .raw(0x28)
      .tensor('w', 'FloatStorage', '0', 1, 0, [1_000_000_000], [0])
      .raw(0x75, 0x2e)
      .bytes()
    const file = write(
      'stride0.pt',
      zip([
        ['a/data.pkl', pkl],
        ['a/data/0', Buffer.alloc(4)],
      ]),
    )
    expect(() => readTorchCheckpoint(file)).toThrow(`${file}: tensor w (size [1000000000]) has 1000000000 elements, more than its storage of 1 holds`)
  })

  it('looks storage types up by own property only (torch.__proto__ is not a storage type)', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const pkl = new PickleWriter()
        .global('collections', 'OrderedDict')
        .raw(0x29, 0x52)
        .raw(0x28)
        .tensor('w', name, '0', 4, 0, [4], [1])
        .raw(0x75, 0x2e)
        .bytes()
      const file = write(
        `proto-${name}.pt`,
        zip([
          ['a/data.pkl', pkl],
          ['a/data/0', Buffer.alloc(16)],
        ]),
      )
      expect(() => readTorchCheckpoint(file), name).toThrow(`${file}: the checkpoint refers to the Python global "torch.${name}", which is not allowed`)
    }
  })
})
