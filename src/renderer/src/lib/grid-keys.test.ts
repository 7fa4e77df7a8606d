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

  it('ignores other keys and empty grids', () => {
    expect(gridMove('a', 0, 10, 4, 2)).toBeNull()
    expect(gridMove('ArrowRight', 0, 0, 4, 2)).toBeNull()
  })
})
