import { describe, expect, it } from 'vitest'
import { bucketed, fitScale, previewWidth, zoomIn, zoomLabel, zoomOut } from './photo-stage.ts'

describe('photo stage', () => {
  const big = { width: 5640, height: 3760 }

  it('asks for a preview sized to the screen, not the 960 px of before', () => {
    // A 1100 x 790 stage at 1x: the photo fits at 1100 px wide, the 1600 bucket.
    expect(previewWidth({ width: 1100, height: 790 }, big, 1)).toBe(1600)
    // The same stage on a 2x screen needs 2200 device pixels: 2560.
    expect(previewWidth({ width: 1100, height: 790 }, big, 2)).toBe(2560)
    // A small window still gets the default preview.
    expect(previewWidth({ width: 500, height: 400 }, big, 1)).toBe(960)
  })

  it('never asks for more than the photo has', () => {
    expect(previewWidth({ width: 3000, height: 2000 }, { width: 1200, height: 800 }, 2)).toBe(1200)
    expect(previewWidth({ width: 3000, height: 2000 }, { width: 640, height: 480 }, 2)).toBe(960)
    expect(bucketed(5000, 5640)).toBe(5640)
    expect(bucketed(9000, 5640)).toBe(5640)
  })

  it('asks for the full photo when zoomed to its real pixels', () => {
    expect(previewWidth({ width: 1100, height: 790 }, big, 1, 1)).toBe(5640)
    expect(previewWidth({ width: 1100, height: 790 }, big, 1, 0.5)).toBe(3840)
  })

  it('zooms in from fit through the steps above it, and out back to fit', () => {
    const fit = fitScale({ width: 1100, height: 790 }, big) // ~0.195
    expect(zoomIn('fit', fit, 1)).toBe(0.25)
    expect(zoomIn(0.25, fit, 1)).toBe(0.5)
    expect(zoomIn(4, fit, 1)).toBe(4)
    expect(zoomOut(0.5, fit, 1)).toBe(0.25)
    expect(zoomOut(0.25, fit, 1)).toBe('fit')
    expect(zoomOut('fit', fit, 1)).toBe('fit')
    expect(zoomLabel('fit', fit, 1)).toBe('20 %')
    expect(zoomLabel(1, fit, 1)).toBe('100 %')
    // A small photo that fits at more than 100 % goes straight to 200 %.
    const small = fitScale({ width: 1100, height: 790 }, { width: 640, height: 480 })
    expect(zoomIn('fit', small, 1)).toBe(2)
    expect(zoomOut(2, small, 1)).toBe('fit')
  })
})
