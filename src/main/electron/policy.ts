// [Note: Electron security policy]
// The decisions the Electron adapter makes about URLs, as pure functions (so
// they are tested without Electron):
//   - the page is ours only when it comes from photocap-app://app/ (or, in
//     development, from electron-vite's dev server), and IPC is accepted only
//     from such a top frame;
//   - the window never navigates anywhere else; links open in the system
//     browser only for https addresses on a short allow-list (the model
//     sources the app names); everything else (other hosts, http:, file:,
//     javascript:, smb:, custom handlers) is dropped and logged;
//   - the development server address (ELECTRON_RENDERER_URL) is honoured only
//     in an unpackaged app: a packaged build never trusts its environment for
//     what page to load and accept IPC from;
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

/**
 * The only hosts the system browser is opened for: the page has no external
 * links of its own, and these are the model sources a pack names (Hugging Face,
 * Google Drive) and the project's home. Anything else is dropped.
 */
export const EXTERNAL_HOSTS: readonly string[] = ['huggingface.co', 'drive.google.com', 'github.com']

/** Where a link the page tries to open may go: the system browser for https on an allowed host, nowhere otherwise. */
export function externalLinkTarget(url: string): string | null {
  try {
    const u = new URL(url)
    if (u.protocol !== 'https:' || u.username || u.password || u.port) return null
    return EXTERNAL_HOSTS.includes(u.hostname) ? u.toString() : null
  } catch {
    return null
  }
}

/** The dev server the window loads from: only in an unpackaged app, and only a loopback http address. */
export function devServerUrlFor(isPackaged: boolean, env: Record<string, string | undefined>): string | null {
  if (isPackaged) return null
  const url = env.ELECTRON_RENDERER_URL
  if (!url) return null
  try {
    const u = new URL(url)
    return u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1') ? url : null
  } catch {
    return null
  }
}

/** What every window of the app runs with (Electron's security checklist); the preload is added by the caller. */
export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false,
  safeDialogs: true,
  spellcheck: true,
} as const

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
  "img-src 'self' photocap-img: data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')
