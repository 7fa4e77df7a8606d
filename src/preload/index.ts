// The preload runs sandboxed: it can reach only `electron`'s renderer modules.
// It exposes the generic API bridge and nothing else (no Node, no file system).
import { contextBridge, ipcRenderer } from 'electron'
import { createPreloadApi } from './api.ts'

contextBridge.exposeInMainWorld('api', createPreloadApi(ipcRenderer))
