// Execution-provider choice, as a pure function of the platform and what the
// installed onnxruntime-node offers (runtime/session.ts does the trying).
//
// [Note: provider choice] 'auto' tries the platform's accelerator first
// (CUDA on Linux when its provider library is installed, DirectML on Windows,
// CoreML on macOS) and always ends with CPU. WebGPU is only used when asked
// for: on machines without a GPU it can pick a software adapter slower than
// the CPU provider. A provider that fails to create a session is skipped and
// its error becomes the reported fallback reason.

import type { ProviderRequest, ProviderName } from '../../../shared/ml-options.ts'

// The names are the one list in shared/ml-options.ts (the API, settings and the CLI read it too).
export {
  isProviderRequest,
  PROVIDER_NAMES,
  PROVIDER_REQUESTS,
  PROVIDER_REQUESTS_TEXT,
  type ProviderName,
  type ProviderRequest,
} from '../../../shared/ml-options.ts'

/** What a person can choose on `platform`: 'auto', the CPU, the platform's accelerator and WebGPU. */
export function platformProviderChoices(platform: NodeJS.Platform): ProviderRequest[] {
  const accelerator: ProviderName = platform === 'win32' ? 'dml' : platform === 'darwin' ? 'coreml' : 'cuda'
  return ['auto', 'cpu', accelerator, 'webgpu']
}

export interface ProviderEnvironment {
  platform: NodeJS.Platform
  /** Backends onnxruntime-node reports (`listSupportedBackends()` names). */
  supported: readonly string[]
  /** Whether the CUDA provider library is installed next to the ORT binding. */
  cudaLibraryPresent: boolean
}

/** Providers to try in order for a request; the last is always 'cpu'. */
export function providerPlan(request: ProviderRequest, env: ProviderEnvironment): ProviderName[] {
  if (request === 'cpu') return ['cpu']
  if (request !== 'auto') return [request, 'cpu']
  switch (env.platform) {
    case 'linux':
      return env.supported.includes('cuda') && env.cudaLibraryPresent ? ['cuda', 'cpu'] : ['cpu']
    case 'win32':
      return ['dml', 'cpu']
    case 'darwin':
      return ['coreml', 'cpu']
    default:
      return ['cpu']
  }
}

/** Why 'auto' chose no accelerator on this machine (null when it will try one). */
export function autoSkipReason(env: ProviderEnvironment): string | null {
  if (env.platform === 'linux') {
    if (!env.supported.includes('cuda')) return 'this onnxruntime-node build has no CUDA provider'
    if (!env.cudaLibraryPresent) return 'CUDA provider library not installed (see README: installing onnxruntime-node with CUDA)'
    return null
  }
  if (env.platform === 'win32' || env.platform === 'darwin') return null
  return `no accelerator provider for platform ${env.platform}`
}
