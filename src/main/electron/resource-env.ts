// Imported first by app.ts, for its side effect: the engine's migrate.ts reads
// PHOTOCAP_MIGRATIONS_DIR when it is loaded, so the variables must be set
// before any engine module is evaluated (see [Note: bundled resource folders]).
import { app } from 'electron'
import { applyResourceEnv, resourceDirs } from './resource-dirs.ts'

applyResourceEnv(process.env, resourceDirs({ packaged: app.isPackaged, resourcesPath: process.resourcesPath, appPath: app.getAppPath() }))
