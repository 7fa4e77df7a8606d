// Public entry of the ML engine's pipeline (the library engine loads this lazily).
export { createMlService, createInProcessMlService, resolvePackDir, compileCacheDir, type CreateMlServiceOptions } from './create-ml-service.ts'
export { InProcessMlService, defaultBatchSizes, type BatchSizes } from './in-process-service.ts'
export { PackRuntime } from './pack-runtime.ts'
