// What the `caption` and `embed` commands share: resolving --pack (default: the
// installed pack, else the generated tiny pack), --provider, the data dir, and
// telling the user when captions are meaningless or a provider fell back.
import path from 'node:path'
import type { CliIo } from './io.ts'
import { resolveUserPath } from './io.ts'
import { defaultDataDir } from '../engine/data-dir.ts'
import { resolveDefaultPack } from '../ml/packs/default-pack.ts'
import type { ProviderRequest } from '../ml/runtime/providers.ts'
import type { MlInfo, MlService } from '../ml/service.ts'
import { loadMlService, TINY_PACK_WARNING } from './support.ts'
import type { WeightFormat } from '../ml/graph/quantize.ts'

export async function openCliService(
  io: CliIo,
  command: string,
  packArg: string | undefined,
  provider: ProviderRequest,
  weights: WeightFormat = 'float32',
): Promise<{ service: MlService; info: MlInfo }> {
  const dataDir = defaultDataDir(io.env)
  let packDir: string
  if (packArg !== undefined) {
    packDir = resolveUserPath(io, packArg)
  } else {
    const def = resolveDefaultPack(dataDir, io.env)
    packDir = def.dir
  }
  // `photocap caption/embed` serve no UI, so the models run in this process
  // unless PHOTOCAP_ML_IN_PROCESS=0 (support.ts's switch).
  const service = await loadMlService(
    { packDir, dataDir, provider, weights, inProcessByDefault: true, log: (text) => io.err(`photocap ${command}: ${text}`) },
    io.env,
  )
  let info: MlInfo
  try {
    info = await service.info()
  } catch (error) {
    await service.close()
    throw error
  }
  if (info.isTinyPack) {
    io.err(`photocap ${command}: ${TINY_PACK_WARNING}`)
  }
  if (info.providerFallbackReason && provider !== 'auto' && provider !== info.provider) {
    io.err(`photocap ${command}: provider ${provider} not used (${info.providerFallbackReason}); running on ${info.provider}`)
  }
  return { service, info }
}

/** A one-line progress bar on a terminal; nothing when piped. */
export function progress(io: CliIo, label: string, done: number, total: number): void {
  if (!io.interactive || total <= 1) return
  const width = 24
  const filled = Math.round((done / total) * width)
  io.progress(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`)
}
