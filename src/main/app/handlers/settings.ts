// settings.*: decoding, execution provider and worker threads (the last kept in the app's own preferences, not the library).
import { defined, type HandlerDeps, type HandlerSlice } from './common.ts'

export function settingsHandlers(deps: Pick<HandlerDeps, 'engine' | 'prefs' | 'reloadMl'>): HandlerSlice<'settings'> {
  const { engine, prefs } = deps
  return {
    'settings.get': () => {
      const s = engine.settings.get()
      return { decoding: s.decoding, executionProvider: s.provider, workerThreads: prefs.get().workerThreads, activePack: s.activePack }
    },
    'settings.update': async (patch) => {
      const before = engine.settings.get()
      const beforeThreads = prefs.get().workerThreads
      const next = engine.settings.set({
        ...(patch.decoding ? { decoding: { ...before.decoding, ...defined(patch.decoding) } } : {}),
        ...(patch.executionProvider ? { provider: patch.executionProvider } : {}),
      })
      if (patch.workerThreads !== undefined) prefs.set({ workerThreads: patch.workerThreads })
      // A new provider or thread count means a new ML service; captions stay valid (same model).
      if (next.provider !== before.provider || prefs.get().workerThreads !== beforeThreads) void deps.reloadMl()
      return { decoding: next.decoding, executionProvider: next.provider, workerThreads: prefs.get().workerThreads, activePack: next.activePack }
    },
  }
}
