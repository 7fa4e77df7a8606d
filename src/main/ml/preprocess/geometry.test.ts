import { describe, expect, it } from 'vitest'
import { clipGeometry, pyRound } from './geometry.ts'
import { CLIP_MEAN, CLIP_STD, cropToRgb, normalizeRgbToChw, stackChw } from './normalize.ts'

describe('geometry', () => {
  it('rounds half to even like Python', () => {
    expect([0.5, 1.5, 2.5, 3.5, 1.4999, 2.5000001, 7].map(pyRound)).toEqual([0, 2, 2, 4, 1, 3, 7])
  })

  it('resizes the shorter side with trunc and centres the crop (golden geometries)', () => {
    expect(clipGeometry(640, 480)).toMatchObject({ resizedWidth: 298, resizedHeight: 224, cropLeft: 37, cropTop: 0, resizeSkipped: false })
    expect(clipGeometry(507, 500)).toMatchObject({ resizedWidth: 227, cropLeft: 2 }) // 1.5 -> 2 (floor would give 1)
    expect(clipGeometry(451, 448)).toMatchObject({ resizedWidth: 225, cropLeft: 0 }) // 0.5 -> 0 (half-up would give 1)
    expect(clipGeometry(400, 409)).toMatchObject({ resizedHeight: 229, cropTop: 2 }) // 2.5 -> 2
    expect(clipGeometry(10, 10)).toMatchObject({ resizedWidth: 224, resizedHeight: 224, resizeSkipped: false })
    expect(clipGeometry(224, 224).resizeSkipped).toBe(true)
    expect(clipGeometry(224, 300)).toMatchObject({ resizedHeight: 300, resizeSkipped: true, cropTop: 38 })
    expect(clipGeometry(300, 900, 336)).toMatchObject({ resizedWidth: 336, resizedHeight: 1008, cropTop: 336 })
  })

  it('rejects nonsense sizes', () => {
    expect(() => clipGeometry(0, 10)).toThrow(/positive integers, got 0x10/)
    expect(() => clipGeometry(10, 10, 0)).toThrow(/image size parameter/)
  })
})

describe('crop, RGB conversion and normalisation', () => {
  it('crops grey, grey+alpha, RGB and RGBA to RGB (alpha dropped, not composited)', () => {
    // 3x2 image, crop 2x2 at left 1
    const grey = Uint8Array.from([1, 2, 3, 4, 5, 6])
    expect(Array.from(cropToRgb(grey, 3, 2, 1, 2, 0, 1))).toEqual([2, 2, 2, 3, 3, 3, 5, 5, 5, 6, 6, 6])
    const la = Uint8Array.from([1, 0, 2, 0, 3, 0, 4, 9, 5, 9, 6, 9])
    expect(Array.from(cropToRgb(la, 3, 2, 2, 2, 0, 0))).toEqual([1, 1, 1, 2, 2, 2, 4, 4, 4, 5, 5, 5])
    const rgba = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => i)
    expect(Array.from(cropToRgb(rgba, 3, 2, 4, 1, 1, 2))).toEqual([20, 21, 22])
    expect(() => cropToRgb(grey, 3, 2, 1, 3, 0, 0)).toThrow(/does not fit/)
  })

  it('normalises bit-exactly like torchvision float32 (fround chain), CHW', () => {
    const rgb = Uint8Array.from([0, 128, 255, 255, 0, 7, 1, 2, 3, 200, 100, 50])
    const out = normalizeRgbToChw(rgb, 2)
    const f = Math.fround
    for (let i = 0; i < 4; i++) {
      for (let c = 0; c < 3; c++) {
        const u = rgb[i * 3 + c]!
        expect(out[c * 4 + i]).toBe(f(f(f(u / 255) - f(CLIP_MEAN[c]!)) / f(CLIP_STD[c]!)))
      }
    }
    expect(out[0]).toBeCloseTo(-0.48145466 / 0.26862954, 6)
  })

  it('stacks a batch and checks shapes', () => {
    const a = new Float32Array(3 * 4).fill(1)
    const b = new Float32Array(3 * 4).fill(2)
    expect(Array.from(stackChw([a, b], 2))).toEqual([...a, ...b])
    expect(() => stackChw([new Float32Array(5)], 2)).toThrow(/image 0 has 5 values, expected 12/)
  })
})
