// Electron's security checklist, held against our configuration. Electron's
// binary is not available on these machines, so this reads what the app is
// built from: the window's webPreferences, the session policy (called with a
// recorder and every handler exercised), app.ts's wiring, the fuses in
// electron-builder.yml and the macOS entitlements. A regression on any item
// fails here.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { APP_CSP, WEB_PREFERENCES } from './policy.ts'
import { hardenSession, hardenWebContents, type SessionLike, type WebContentsLike } from './session-policy.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
const repo = path.resolve(here, '../../..')
const appSource = fs.readFileSync(path.join(here, 'app.ts'), 'utf8')
/** app.ts without comments: the checks look at code only. */
const appCode = appSource.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '')

type Handler = (...args: never[]) => unknown

/** Records what hardenSession installs, so each handler can be called as Electron would. */
function recordSession(): { session: SessionLike; handlers: Map<string, Handler> } {
  const handlers = new Map<string, Handler>()
  const setter = (name: string) => (h: Handler | null) => void (h && handlers.set(name, h))
  const session = {
    setPermissionRequestHandler: setter('permissionRequest'),
    setPermissionCheckHandler: setter('permissionCheck'),
    setDevicePermissionHandler: setter('devicePermission'),
    setDisplayMediaRequestHandler: setter('displayMedia'),
    setBluetoothPairingHandler: setter('bluetoothPairing'),
    on: (event: string, h: Handler) => handlers.set(event, h),
  }
  return { session: session as unknown as SessionLike, handlers }
}

describe('Electron security checklist', () => {
  it('windows: context isolation, sandbox, no Node, web security, no insecure content, no webview, no experimental features', () => {
    expect(WEB_PREFERENCES).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    })
    expect(WEB_PREFERENCES).not.toHaveProperty('enableBlinkFeatures')
    // The window uses these preferences as they are, adding only the preload.
    expect(appCode).toMatch(/webPreferences: \{ \.\.\.WEB_PREFERENCES, preload: path\.join\([^)]*\) \}/)
    expect(appCode).toContain('app.enableSandbox()')
  })

  it('a strict CSP for the app page', () => {
    expect(APP_CSP).toContain("default-src 'none'")
    expect(APP_CSP).toContain("script-src 'self'")
    expect(APP_CSP).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/)
  })

  it('sessions: every permission request, permission check and device chooser says no', () => {
    const { session, handlers } = recordSession()
    hardenSession(session)
    const granted: boolean[] = []
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'midiSysex', 'openExternal', 'hid', 'serial', 'usb']) {
      ;(handlers.get('permissionRequest') as (wc: unknown, p: string, cb: (g: boolean) => void) => void)(null, permission, (g) => granted.push(g))
      expect((handlers.get('permissionCheck') as (wc: unknown, p: string, o: string) => boolean)(null, permission, 'https://evil.example')).toBe(false)
    }
    expect(granted.every((g) => g === false) && granted.length === 9).toBe(true)
    expect((handlers.get('devicePermission') as (d: unknown) => boolean)({ deviceType: 'usb' })).toBe(false)
    let streams: unknown = 'unset'
    ;(handlers.get('displayMedia') as (r: unknown, cb: (s: unknown) => void) => void)({}, (s) => (streams = s))
    expect(streams).toEqual({})
    let paired: unknown
    ;(handlers.get('bluetoothPairing') as (d: unknown, cb: (r: unknown) => void) => void)({}, (r) => (paired = r))
    expect(paired).toEqual({ confirmed: false })
    for (const [event, call] of [
      ['select-hid-device', (h: Handler, e: unknown, cb: unknown) => (h as (e: unknown, d: unknown, cb: unknown) => void)(e, {}, cb)],
      [
        'select-serial-port',
        (h: Handler, e: unknown, cb: unknown) => (h as (e: unknown, p: unknown, wc: unknown, cb: unknown) => void)(e, [{ portId: 'p1' }], null, cb),
      ],
      ['select-usb-device', (h: Handler, e: unknown, cb: unknown) => (h as (e: unknown, d: unknown, cb: unknown) => void)(e, {}, cb)],
    ] as const) {
      let prevented = false
      let chosen: unknown = 'unset'
      call(handlers.get(event)!, { preventDefault: () => (prevented = true) }, (id?: unknown) => (chosen = id))
      expect(prevented, event).toBe(true)
      expect([undefined, null, ''], event).toContain(chosen)
    }
    const contents = new Map<string, Handler>()
    hardenWebContents({ on: (e: string, h: Handler) => contents.set(e, h) } as unknown as WebContentsLike)
    let chosen: unknown = 'unset'
    let prevented = false
    ;(contents.get('select-bluetooth-device') as (e: unknown, d: unknown, cb: (id: string) => void) => void)(
      { preventDefault: () => (prevented = true) },
      [{ deviceId: 'b1' }],
      (id) => (chosen = id),
    )
    expect([prevented, chosen]).toEqual([true, ''])
    // app.ts installs the policy on the default session and on every web contents.
    expect(appCode).toMatch(/hardenSession\(session\.defaultSession/)
    expect(appCode).toMatch(/web-contents-created[\s\S]*hardenWebContents\(contents/)
  })

  it('navigation and new windows are blocked, webviews refused, external links only through the allow-list', () => {
    expect(appCode).toMatch(/will-navigate[\s\S]*event\.preventDefault\(\)/)
    expect(appCode).toMatch(/setWindowOpenHandler\([\s\S]*?return \{ action: 'deny' \}/)
    expect(appCode).toMatch(/will-attach-webview', \(event\) => event\.preventDefault\(\)/)
    // shell.openExternal is called in one place, with what externalLinkTarget allowed.
    expect(appCode.match(/shell\.openExternal\(/g)).toHaveLength(1)
    expect(appCode).toMatch(/const target = externalLinkTarget\(url\)\s*if \(target\) void shell\.openExternal\(target\)/)
  })

  it('the dev server address is read only through devServerUrlFor(app.isPackaged, …)', () => {
    expect(appCode).toContain('devServerUrlFor(app.isPackaged, process.env)')
    expect(appCode.match(/ELECTRON_RENDERER_URL/g) ?? []).toHaveLength(0)
  })

  it('fuses: no run-as-node, no NODE_OPTIONS or inspect arguments, cookie encryption, asar integrity, app only from asar', () => {
    const builder = parse(fs.readFileSync(path.join(repo, 'electron-builder.yml'), 'utf8')) as { electronFuses?: Record<string, boolean>; asar?: boolean }
    expect(builder.asar).not.toBe(false)
    expect(builder.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    })
    // Nothing in the app relies on running its binary as Node.
    for (const dir of ['src/main', 'bin']) {
      for (const e of fs.readdirSync(path.join(repo, dir), { recursive: true, withFileTypes: true })) {
        if (!e.isFile() || !/\.(ts|js)$/.test(e.name) || e.name.endsWith('.test.ts')) continue
        expect(fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'), e.name).not.toContain('ELECTRON_RUN_AS_NODE')
      }
    }
  })

  it('macOS entitlements: JIT for V8 only; no unsigned executable memory, library validation or DYLD variables turned off', () => {
    const plist = fs.readFileSync(path.join(repo, 'build', 'entitlements.mac.plist'), 'utf8').replace(/<!--[\s\S]*?-->/g, '')
    expect(plist).toContain('<key>com.apple.security.cs.allow-jit</key>')
    for (const risky of [
      'allow-unsigned-executable-memory',
      'disable-library-validation',
      'allow-dyld-environment-variables',
      'disable-executable-page-protection',
    ])
      expect(plist, risky).not.toContain(risky)
  })
})
