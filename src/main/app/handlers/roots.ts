// roots.*: the library's folders as the API shows them (with their photo count and what is wrong with them, if anything).
import type { MethodOutput } from '../../../shared/api.ts'
import type { Engine } from '../../engine/engine.ts'
import { ok, type HandlerDeps, type HandlerSlice } from './common.ts'

export function rootHandlers(deps: Pick<HandlerDeps, 'engine'>): HandlerSlice<'roots'> {
  const { engine } = deps
  const rootOut = (r: ReturnType<Engine['roots']['list']>[number]): MethodOutput<'roots.add'> => ({
    id: r.id,
    path: r.path,
    photoCount: engine.views.rootCount(r.id),
    exclusions: r.exclude,
    problem: r.available ? null : 'the folder cannot be found (unplugged disk or deleted folder); its photos are kept',
  })
  return {
    'roots.list': () => engine.roots.list().map(rootOut),
    'roots.add': async ({ path: p }) => rootOut(await engine.roots.add(p)),
    'roots.remove': async ({ id }) => {
      await engine.roots.remove(id)
      return ok
    },
    'roots.setExclusions': async ({ id, patterns }) => rootOut(await engine.roots.update(id, { exclude: patterns })),
  }
}
