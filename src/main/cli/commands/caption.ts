// `photocap caption ...` has three forms: captioning image files with a pack,
// `caption set PATH TEXT` writing a user caption into the library, and
// `caption again PATH...` captioning library photos anew (the app's Regenerate).
import type { CliIo } from '../io.ts'

export async function run(args: string[], io: CliIo): Promise<number> {
  if (args[0] === 'set') {
    const { run: runSet } = await import('./caption-set.ts')
    return runSet(args.slice(1), io)
  }
  if (args[0] === 'again') {
    const { run: runAgain } = await import('./caption-again.ts')
    return runAgain(args.slice(1), io)
  }
  const { run: runCaption } = await import('./caption-images.ts')
  return runCaption(args, io)
}
