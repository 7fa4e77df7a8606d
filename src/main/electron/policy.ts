// [Note: Electron security policy]
// The decisions the Electron adapter makes about URLs, as pure functions (so
// they are tested without Electron):
//   - the page is ours only when it comes from photocap-app://app/ (or, in
//     development, from electron-vite's dev server), and IPC is accepted only
//     from such a top frame;
//   - the window never navigates anywhere else; links to http(s) open in the
//     system browser, every other scheme (file:, javascript:, smb:, custom
//     handlers) is dropped;
//   - the app protocol serves files from the built renderer folder only.
import path from 'node:path'

export const APP_SCHEME = 'photocap-app'
export const APP_ORIGIN = `${APP_SCHEME}://app`
export const APP_URL = `${APP_ORIGIN}/index.html`

export function isTrustedAppUrl(url: string, devServerUrl?: string | null): boolean {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  if (`${u.protocol}//${u.host}` === APP_ORIGIN) return true
  if (devServerUrl) {
    try {
      return u.origin === new URL(devServerUrl).origin && (u.hostname === 'localhost' || u.hostname === '127.0.0.1')
    } catch {
      return false
    }
  }
  return false
}

/** Where a link the page tries to open may go: the system browser for http(s), nowhere otherwise. */
export function externalLinkTarget(url: string): string | null {
  try {
    const u = new URL(url)
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null
  } catch {
    return null
  }
}

/** The file behind photocap-app://app/<path>, confined to the renderer folder; null when outside or malformed. */
export function resolveAppFile(root: string, url: string): string | null {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return null
  }
  if (`${u.protocol}//${u.host}` !== APP_ORIGIN) return null
  let rel: string
  try {
    rel = decodeURIComponent(u.pathname)
  } catch {
    return null
  }
  if (rel.includes('\0')) return null
  const base = path.resolve(root)
  const file = path.resolve(base, '.' + (rel === '/' ? '/index.html' : rel))
  return file.startsWith(base + path.sep) ? file : null
}

export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  'img-src \'self\' photocap-img: data: blob:',
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')
