// Electron's entry: everything lives in src/main/electron (the adapter) and the
// Electron-free backend it wraps.
import { startElectronApp } from './electron/app.ts'

void startElectronApp()
