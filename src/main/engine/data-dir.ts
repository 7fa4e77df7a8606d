// Where Photocap keeps its data by default: the platform's application-data
// folder (XDG on Linux, Application Support on macOS, %APPDATA% on Windows).
// PHOTOCAP_DATA_DIR overrides it (tests, portable installs).
import os from 'node:os'
import path from 'node:path'

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (env.PHOTOCAP_DATA_DIR) return path.resolve(env.PHOTOCAP_DATA_DIR)
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Photocap')
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Photocap')
  const xdg = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(home, '.local', 'share')
  return path.join(xdg, 'photocap')
}

export function defaultDbPath(dataDir: string): string {
  return path.join(dataDir, 'library.db')
}

/**
 * Thumbnails belong to a library: next to the default database they live in
 * the data folder; a database given with --db keeps its own cache beside it.
 */
export function cacheDirFor(dbPath: string, dataDir: string): string {
  return path.resolve(dbPath) === path.resolve(defaultDbPath(dataDir)) ? path.join(dataDir, 'cache') : `${dbPath}.cache`
}
