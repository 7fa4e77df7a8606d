// folders.*: choosing a folder to add (the app's own browser, or the native dialog where there is one) and the library's folders with their counts.
import os from 'node:os'
import { browseFolder } from '../folder-browser.ts'
import type { HandlerDeps, HandlerSlice } from './common.ts'

export function folderHandlers(deps: Pick<HandlerDeps, 'engine' | 'pickFolder'>): HandlerSlice<'folders'> {
  return {
    'folders.browse': ({ path: p }) => browseFolder(p, os.homedir()),
    'folders.pick': async () => ({ path: deps.pickFolder ? await deps.pickFolder() : null }),
    'folders.counts': () => deps.engine.views.folderCounts(),
  }
}
