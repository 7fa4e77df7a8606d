// The two themes' colours, one source for app.css (applied as CSS variables at
// start-up by applyPalette) and for the contrast test (WCAG AA, contrast.test.ts).
// The theme follows the system through prefers-color-scheme.
export type Palette = Record<string, string>

export const light: Palette = {
  bg: '#f6f6f4',
  surface: '#ffffff',
  'surface-2': '#efefec',
  border: '#dcdcd8',
  text: '#1b1b1d',
  muted: '#5b5d63',
  accent: '#2a5bd7',
  'accent-text': '#ffffff',
  'accent-soft': '#e6edfc',
  danger: '#b3261e',
  'danger-soft': '#fbe9e7',
  ok: '#1d6f3a',
  warn: '#8a5300',
  focus: '#1f4fc4',
  shadow: '0 1px 2px rgb(0 0 0 / 0.06), 0 4px 16px rgb(0 0 0 / 0.06)',
}

export const dark: Palette = {
  bg: '#121214',
  surface: '#1b1b1f',
  'surface-2': '#25252a',
  border: '#34343a',
  text: '#ececef',
  muted: '#a3a3ab',
  accent: '#8fb2ff',
  'accent-text': '#0d1730',
  'accent-soft': '#1f2a44',
  danger: '#ff8f85',
  'danger-soft': '#3a1f1d',
  ok: '#74d394',
  warn: '#f0b861',
  focus: '#a9c4ff',
  shadow: '0 1px 2px rgb(0 0 0 / 0.4), 0 6px 20px rgb(0 0 0 / 0.35)',
}

const block = (p: Palette): string =>
  Object.entries(p)
    .map(([k, v]) => `--${k}: ${v};`)
    .join(' ')

export function paletteCss(): string {
  return `:root { ${block(light)} } @media (prefers-color-scheme: dark) { :root { ${block(dark)} } }`
}

/** Put the palette into the page before the app mounts. */
export function applyPalette(doc: Document = document): void {
  const style = doc.createElement('style')
  style.dataset.palette = ''
  style.textContent = paletteCss()
  doc.head.prepend(style)
}
