// [Note: bundled resource folders]
// The engine finds its SQL migrations and the pack manifests relative to its
// own source files. Inside the electron-vite bundle those modules are folded
// into out/main/*.js, so the relative paths point at nothing: the packaged app
// would fail to open its library and list no installable packs. electron-builder
// ships both folders as extraResources (electron-builder.yml: models/ and
// migrations/ under process.resourcesPath), and the Electron composition points
// PHOTOCAP_MODELS_MANIFEST_DIR and PHOTOCAP_MIGRATIONS_DIR at them before the
// engine loads (resource-env.ts). Unpackaged (`electron-vite dev`), the app path
// is the repository root, so the source folders are used. Utility processes
// (ML, training) inherit the environment.
import path from 'node:path'

export interface ResourceDirs {
  modelsManifestDir: string
  migrationsDir: string
}

export function resourceDirs(where: { packaged: boolean; resourcesPath: string; appPath: string }): ResourceDirs {
  return where.packaged
    ? { modelsManifestDir: path.join(where.resourcesPath, 'models'), migrationsDir: path.join(where.resourcesPath, 'migrations') }
    : {
        modelsManifestDir: path.join(where.appPath, 'resources', 'models'),
        migrationsDir: path.join(where.appPath, 'src', 'main', 'engine', 'db', 'migrations'),
      }
}

/** Set the variables the engine reads, keeping any the user set. */
export function applyResourceEnv(env: NodeJS.ProcessEnv, dirs: ResourceDirs): void {
  env.PHOTOCAP_MODELS_MANIFEST_DIR ??= dirs.modelsManifestDir
  env.PHOTOCAP_MIGRATIONS_DIR ??= dirs.migrationsDir
}
