// The desktop app: Electron as an adapter over the same backend `photocap serve`
// uses (see [Note: Backend composition root]). One window, sandboxed, no Node in
// the page, IPC from our own frame only, navigation and new windows blocked,
// thumbnails through photocap-img://, ML in a utility process.
// First: sets the resource folders the engine reads as it loads.
import './resource-env.ts'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog, ipcMain, session, shell, utilityProcess } from 'electron'
import { createBackend, type Backend } from '../app/backend.ts'
import { cacheDirFor, defaultDataDir, defaultDbPath } from '../engine/data-dir.ts'
import { resolveDefaultPack } from '../ml/packs/default-pack.ts'
import { forwardEvents, registerIpcHandlers } from './ipc.ts'
import { utilityMlLauncher } from './ml-utility.ts'
import { watchEngine } from './engine-watch.ts'
import { createMlService } from '../ml/pipeline/create-ml-service.ts'
import { APP_URL, devServerUrlFor, externalLinkTarget, isTrustedAppUrl, WEB_PREFERENCES } from './policy.ts'
import { hardenSession, hardenWebContents, type SessionLike, type WebContentsLike } from './session-policy.ts'
import { handleProtocols, registerSchemes } from './protocols.ts'
import { utilityTrainingLauncher } from './training-utility.ts'
import type { ProviderRequest } from '../ml/runtime/providers.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
// Development only: a packaged app never lets its environment choose the page it trusts for IPC.
const devServerUrl = devServerUrlFor(app.isPackaged, process.env)

/** Open a link in the system browser when policy allows it; log the rest. */
function openExternally(url: string): void {
  const target = externalLinkTarget(url)
  if (target) void shell.openExternal(target)
  else console.warn(`photocap: not opening ${url.slice(0, 200)} (not an allowed external address)`)
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Photocap',
    // Linux shows this in the task bar (the installers embed build/icon.png for the other platforms).
    icon: app.isPackaged ? path.join(process.resourcesPath, 'icon.png') : path.join(app.getAppPath(), 'build', 'icon.png'),
    backgroundColor: '#00000000',
    webPreferences: { ...WEB_PREFERENCES, preload: path.join(here, '../preload/index.cjs') },
  })
  win.once('ready-to-show', () => win.show())
  // No navigation away from the app; links to the web open in the system browser.
  win.webContents.on('will-navigate', (event, url) => {
    if (url !== win.webContents.getURL()) {
      event.preventDefault()
      openExternally(url)
    }
  })
  win.webContents.setWindowOpenHandler(({ url }) => {
    openExternally(url)
    return { action: 'deny' }
  })
  void win.loadURL(devServerUrl ?? APP_URL)
  return win
}

export async function startElectronApp(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return
  }
  registerSchemes()
  app.enableSandbox()
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault())
    hardenWebContents(contents as unknown as WebContentsLike)
  })
  let win: BrowserWindow | null = null
  app.on('second-instance', () => {
    if (!win) return
    if (win.isMinimized()) win.restore()
    win.focus()
  })

  await app.whenReady()
  // Every permission, permission check and device chooser says no ([Note: Electron session policy]).
  hardenSession(session.defaultSession as unknown as SessionLike, (t) => console.warn(`photocap: ${t}`))

  // The same library the CLI uses by default, so `photocap list` sees the app's work.
  const dataDir = defaultDataDir()
  const dbPath = defaultDbPath(dataDir)
  let backend: Backend | undefined
  // The page shows "restarting the engine" while a crashed ML process starts again ([Note: engine restarts in the desktop app]).
  const reportEngine = (state: 'running' | 'restarting', reason: string | null): void => backend?.events.emit('engine.state', { state, reason })
  try {
    backend = await createBackend({
      mode: 'electron',
      version: app.getVersion(),
      dbPath,
      dataDir,
      cacheDir: cacheDirFor(dbPath, dataDir),
      createMl: async (o) => {
        const packDir = o.packDir ?? resolveDefaultPack(o.dataDir).dir
        const provider = o.provider as ProviderRequest
        // The one ML factory, with the worker in an Electron utility process, watched for crashes.
        let service: { start?: () => Promise<unknown> } | undefined
        const launch = watchEngine(
          utilityMlLauncher((entry, args, options) => utilityProcess.fork(entry, args, options), here),
          reportEngine,
          async () => service?.start?.(),
        )
        const ml = await createMlService({ packDir, dataDir: o.dataDir, provider, threads: o.threads, log: (t) => console.log(t), launch })
        service = ml as unknown as { start?: () => Promise<unknown> }
        return ml
      },
      // Training runs in its own utility process, never in this one.
      launchTraining: utilityTrainingLauncher((entry, args, options) => utilityProcess.fork(entry, args, options), here),
      pickFolder: async () => {
        const r = win ? await dialog.showOpenDialog(win, { properties: ['openDirectory'] }) : await dialog.showOpenDialog({ properties: ['openDirectory'] })
        return r.canceled ? null : (r.filePaths[0] ?? null)
      },
    })
  } catch (error) {
    dialog.showErrorBox('Photocap cannot open its library', error instanceof Error ? error.message : String(error))
    app.quit()
    return
  }

  handleProtocols(path.join(here, '../renderer'), backend.images)
  registerIpcHandlers(ipcMain, backend.dispatcher, (url) => isTrustedAppUrl(url, devServerUrl))
  win = createWindow()
  const stopForwarding = forwardEvents(backend.events, (channel, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send(channel, payload)
  })

  app.on('window-all-closed', () => app.quit())
  let closing = false
  app.on('before-quit', (event) => {
    if (closing) return
    closing = true
    event.preventDefault()
    stopForwarding()
    void backend.close().finally(() => app.exit(0))
  })
}
