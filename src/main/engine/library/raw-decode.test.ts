// LibRaw (wasm) on RAW files written from known pixels (test/helpers/raw-dng.ts).
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dngBytes } from '../../../../test/helpers/raw-dng.ts'
import { decodeRaw, RawDecodeError, readRawHeader } from './raw-decode.ts'

let dir = ''
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'raw-decode-'))
})
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

async function dng(name: string, width: number, height: number): Promise<string> {
  const file = path.join(dir, name)
  // a grey ramp left to right: 10% to 90% linear
  await fs.writeFile(
    file,
    dngBytes({
      width,
      height,
      make: 'Ramp',
      model: 'Maker 1',
      colour: (x) => {
        const v = 0.1 + (0.8 * x) / (width - 1)
        return [v, v, v]
      },
    }),
  )
  return file
}

describe('developing RAW data (LibRaw)', () => {
  it('reads the header without developing, and develops the full sensor when the size asked needs it', async () => {
    const file = await dng('ramp.dng', 200, 150)
    expect(await readRawHeader(file)).toEqual({ width: 200, height: 150, make: 'Ramp', model: 'Maker 1' })
    const img = await decodeRaw(file, 200, 179e6)
    expect([img.width, img.height, img.data.length]).toEqual([200, 150, 200 * 150 * 3])
    // grey stays grey (no colour cast), and the ramp rises left to right
    const at = (x: number): number[] => [...img.data.subarray((75 * 200 + x) * 3, (75 * 200 + x) * 3 + 3)]
    for (const x of [20, 100, 180]) expect(Math.max(...at(x)) - Math.min(...at(x))).toBeLessThan(12)
    expect(at(20)[1]!).toBeLessThan(at(100)[1]!)
    expect(at(100)[1]!).toBeLessThan(at(180)[1]!)
  })

  it('develops at half size when half the sensor still covers the size asked', async () => {
    const file = await dng('half.dng', 400, 300)
    expect(await decodeRaw(file, 200, 179e6)).toMatchObject({ width: 200, height: 150 })
    expect(await decodeRaw(file, 201, 179e6)).toMatchObject({ width: 400, height: 300 })
  })

  it('refuses a sensor over the pixel limit before developing it, naming the file', async () => {
    const file = await dng('big.dng', 400, 300)
    await expect(decodeRaw(file, 100, 100_000)).rejects.toThrow(/RAW file big\.dng: sensor is 400x300 \(0 MP\), above the 0 MP pixel limit/)
  })

  it('says which file LibRaw could not read, and whether it is RAW at all', async () => {
    const notRaw = path.join(dir, 'letter.arw')
    await fs.writeFile(notRaw, 'Dear Sir')
    const err = await decodeRaw(notRaw, 100, 179e6).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RawDecodeError)
    expect(err).toMatchObject({ notRaw: true, message: expect.stringContaining('letter.arw') })
    const whole = await fs.readFile(await dng('whole.dng', 64, 48))
    const cut = path.join(dir, 'cut.dng')
    await fs.writeFile(cut, whole.subarray(0, whole.length - 4000))
    await expect(decodeRaw(cut, 100, 179e6)).rejects.toMatchObject({
      notRaw: false,
      message: expect.stringMatching(/^LibRaw cannot develop RAW file cut\.dng/),
    })
  })
})
