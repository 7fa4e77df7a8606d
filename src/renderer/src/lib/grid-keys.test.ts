import { describe, expect, it } from 'vitest'
import { gridMove } from './grid-keys.ts'

describe('grid keys', () => {
  it('moves by one, by a row and by a page, and stops at the ends', () => {
    expect(gridMove('ArrowRight', 0, 10, 4, 2)).toBe(1)
    expect(gridMove('ArrowLeft', 0, 10, 4, 2)).toBe(0)
    expect(gridMove('ArrowDown', 1, 10, 4, 2)).toBe(5)
    expect(gridMove('ArrowDown', 7, 10, 4, 2)).toBe(7)
    expect(gridMove('ArrowUp', 5, 10, 4, 2)).toBe(1)
    expect(gridMove('PageDown', 0, 10, 4, 2)).toBe(8)
    expect(gridMove('PageDown', 5, 10, 4, 2)).toBe(9)
    expect(gridMove('End', 3, 10, 4, 2)).toBe(9)
    expect(gridMove('Home', 3, 10, 4, 2)).toBe(0)
  })

  it('never wraps at the ends: the first and last tile stay, a row or page past them stops there', () => {
    // 10 tiles in 4 columns: the last row is 8, 9.
    expect(gridMove('ArrowRight', 9, 10, 4, 2)).toBe(9)
    expect(gridMove('ArrowLeft', 0, 10, 4, 2)).toBe(0)
    // Right at a row's end goes on to the next row's start (reading order), never back to the first tile.
    expect(gridMove('ArrowRight', 3, 10, 4, 2)).toBe(4)
    expect(gridMove('ArrowDown', 9, 10, 4, 2)).toBe(9)
    expect(gridMove('ArrowDown', 6, 10, 4, 2)).toBe(6)
    expect(gridMove('ArrowUp', 2, 10, 4, 2)).toBe(2)
    expect(gridMove('PageDown', 9, 10, 4, 2)).toBe(9)
    expect(gridMove('PageUp', 0, 10, 4, 2)).toBe(0)
    expect(gridMove('PageUp', 5, 10, 4, 2)).toBe(0)
    expect(gridMove('End', 9, 10, 4, 2)).toBe(9)
    expect(gridMove('Home', 0, 10, 4, 2)).toBe(0)
    // One tile: every key stays on it.
    for (const key of ['ArrowRight', 'ArrowLeft', 'ArrowDown', 'ArrowUp', 'PageDown', 'PageUp', 'Home', 'End']) expect(gridMove(key, 0, 1, 4, 2)).toBe(0)
  })

  it('ignores other keys and empty grids', () => {
    expect(gridMove('a', 0, 10, 4, 2)).toBeNull()
    expect(gridMove('ArrowRight', 0, 0, 4, 2)).toBeNull()
  })
})
