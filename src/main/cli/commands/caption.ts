// `photocap caption ...` has two forms: captioning images with a pack (ML, issue 2)
// and `caption set PATH TEXT` writing a user caption into the library (issue 3).
import type { CliIo } from '../io.ts'

export async function run(args: string[], io: CliIo): Promise<number> {
  if (args[0] === 'set') {
    const { run: runSet } = await import('./caption-set.ts')
    return runSet(args.slice(1), io)
  }
  const { run: runCaption } = await import('./caption-images.ts')
  return runCaption(args, io)
}
