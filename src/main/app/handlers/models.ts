// models.*: the model packs (the tiny test pack, the installed ones, the known ones to download), the execution providers, installing and activating.
import path from 'node:path'
import type { MethodOutput } from '../../../shared/api.ts'
import { installedPacks } from '../../ml/packs/default-pack.ts'
import { platformProviderChoices, type ProviderRequest } from '../../ml/runtime/providers.ts'
import { knownPacksSafe, packSizeFields, trustedFiles } from '../pack-installs.ts'
import { need, ok, type HandlerDeps, type HandlerSlice, type PackInstalls } from './common.ts'

const providerLabels: Record<ProviderRequest, string> = {
  auto: 'Automatic',
  cpu: 'CPU',
  cuda: 'NVIDIA GPU (CUDA)',
  dml: 'GPU (DirectML)',
  coreml: 'Apple Neural Engine / GPU (Core ML)',
  webgpu: 'GPU (WebGPU)',
}

/** What models.info answers and models.progressed announces. */
export async function modelsInfoOf(deps: Pick<HandlerDeps, 'engine' | 'dataDir' | 'mlError'>, installs: PackInstalls): Promise<MethodOutput<'models.info'>> {
  const info = deps.engine.ml.info()
  const settings = deps.engine.settings.get()
  const installed = installedPacks(deps.dataDir)
  const known = knownPacksSafe(deps.dataDir)
  const activeDir = settings.activePack ? path.resolve(settings.activePack) : null
  const packs: MethodOutput<'models.info'>['packs'] = [
    {
      id: 'tiny',
      name: 'Tiny test pack',
      description: 'Generated on this device for testing; its captions are meaningless.',
      sizeBytes: 0,
      sizeExact: true,
      sizeAtMostBytes: 0,
      installed: true,
      active: info?.isTinyPack ?? (installed.length === 0 && activeDir === null),
      isTiny: true,
      trustedOnFirstUse: [],
    },
    ...installed.map((p) => {
      const k = known.find((m) => m.name === p.name)
      return {
        id: p.name,
        name: p.name,
        description: k?.description ?? `Installed in ${p.dir}`,
        ...packSizeFields(k),
        installed: true,
        active: info ? !info.isTinyPack && (activeDir === null ? info.packName === p.name : activeDir === p.dir) : false,
        isTiny: false,
        trustedOnFirstUse: trustedFiles(p.dir),
      }
    }),
    ...known
      .filter((m) => !installed.some((p) => p.name === m.name))
      .map((m) => ({
        id: m.name,
        name: m.name,
        description: m.description,
        ...packSizeFields(m),
        installed: false,
        active: false,
        isTiny: false,
        trustedOnFirstUse: [],
      })),
  ]
  return {
    packs,
    provider: info?.provider ?? null,
    providerFallbackReason: info?.providerFallbackReason ?? deps.mlError(),
    availableProviders: platformProviderChoices(process.platform).map((id) => ({ id, label: providerLabels[id] })),
    install: installs.state(),
  }
}

export function modelHandlers(
  deps: Pick<HandlerDeps, 'engine' | 'dataDir' | 'reloadMl'> & { installs: PackInstalls; modelsInfo: () => Promise<MethodOutput<'models.info'>> },
): HandlerSlice<'models'> {
  const { engine, installs } = deps
  return {
    'models.info': () => deps.modelsInfo(),
    'models.install': ({ packId }) => (installs.start(packId), ok),
    'models.cancelInstall': () => (installs.cancel(), ok),
    'models.activate': async ({ packId }) => {
      const installed = installedPacks(deps.dataDir)
      if (packId === 'tiny') engine.settings.set({ activePack: null })
      else
        engine.settings.set({
          activePack: need(
            installed.find((p) => p.name === packId),
            `no installed pack '${packId}'`,
          ).dir,
        })
      void deps.reloadMl()
      return ok
    },
  }
}
