// app.*: what the page asks about the app itself, and the end of the welcome.
import { ok, type HandlerDeps, type HandlerSlice } from './common.ts'

export function appHandlers(deps: Pick<HandlerDeps, 'engine' | 'prefs' | 'version' | 'mode' | 'dataDir' | 'dbPath' | 'pickFolder'>): HandlerSlice<'app'> {
  const { engine, prefs } = deps
  return {
    'app.info': () => ({
      version: deps.version,
      mode: deps.mode,
      dataDir: deps.dataDir,
      dbPath: deps.dbPath,
      firstRun: !prefs.get().welcomeDone && engine.roots.list().length === 0,
      nativeFolderDialog: deps.pickFolder !== undefined,
    }),
    'app.completeWelcome': () => {
      prefs.set({ welcomeDone: true })
      return ok
    },
  }
}
