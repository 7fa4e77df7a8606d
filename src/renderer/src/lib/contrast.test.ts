// WCAG AA contrast of the theme's colour pairs, in light and dark, from the
// palette the page applies (lib/palette.ts): body text and small UI text need 4.5:1.
import { describe, expect, it } from 'vitest'
import { dark, light, paletteCss } from './palette.ts'

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
}
const ratio = (a: string, b: string): number => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p)
  return (x! + 0.05) / (y! + 0.05)
}

// [foreground, background] pairs the interface actually uses for text.
const pairs: [string, string][] = [
  ['text', 'bg'],
  ['text', 'surface'],
  ['text', 'surface-2'],
  ['text', 'accent-soft'],
  ['muted', 'bg'],
  ['muted', 'surface'],
  ['muted', 'surface-2'],
  ['accent', 'surface'],
  ['accent', 'bg'],
  ['accent-text', 'accent'],
  ['danger', 'surface'],
  ['danger', 'danger-soft'],
  ['danger', 'bg'],
  ['ok', 'surface'],
  ['warn', 'surface'],
  ['warn', 'accent-soft'],
]

describe('colour contrast (WCAG AA)', () => {
  it('the page gets both themes, the dark one following the system', () => {
    expect(paletteCss()).toMatch(/^:root \{ --bg: #f6f6f4;.*@media \(prefers-color-scheme: dark\) \{ :root \{ --bg: #121214;/)
  })

  for (const [name, theme] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    it(`${name} theme: every text colour pair is at least 4.5:1`, () => {
      expect(Object.keys(theme).length).toBeGreaterThan(10)
      const failing = pairs
        .filter(([fg, bg]) => ratio(theme[fg]!, theme[bg]!) < 4.5)
        .map(([fg, bg]) => `${fg} on ${bg}: ${ratio(theme[fg]!, theme[bg]!).toFixed(2)}`)
      expect(failing).toEqual([])
    })
  }
})
