// The application backend as the app tests start it: web mode, everything under
// one folder, no ML (unless given), no watcher, quiet.
import path from 'node:path'
import { createBackend, type Backend, type BackendOptions } from '../../src/main/app/backend.ts'

export async function testBackend(dir: string, overrides: Partial<BackendOptions> = {}): Promise<Backend> {
  return await createBackend({
    mode: 'web',
    dbPath: path.join(dir, 'lib.db'),
    dataDir: path.join(dir, 'data'),
    cacheDir: path.join(dir, 'cache'),
    createMl: null,
    watch: false,
    log: () => undefined,
    ...overrides,
  })
}
