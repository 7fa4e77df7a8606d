// The `photocap` command line: a thin dispatcher. Each command lives in its own
// module under ./commands and exports `run(args: string[], io: CliIo): Promise<number>`.
// Commands are loaded lazily so `photocap list` never pays for loading ONNX Runtime.
import { HelpRequested, UsageError } from './args.ts'
import { defaultIo, type CliIo } from './io.ts'

type CommandModule = { run(args: string[], io: CliIo): Promise<number> }

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  caption: { summary: 'caption images with a model pack (or `caption set PATH TEXT`, `caption again PATH...`)', load: () => import('./commands/caption.ts') },
  embed: { summary: 'print CLIP embeddings of images or texts', load: () => import('./commands/embed.ts') },
  models: { summary: 'install, list, verify or remove model packs', load: () => import('./commands/models.ts') },
  index: { summary: 'add folders to the library and process everything once', load: () => import('./commands/index-folders.ts') },
  watch: { summary: 'keep watching the library folders and process changes', load: () => import('./commands/watch.ts') },
  remove: { summary: 'take a folder out of the library (its files are untouched)', load: () => import('./commands/remove.ts') },
  retry: { summary: 'process failed photos again', load: () => import('./commands/retry.ts') },
  list: { summary: 'list photos with their captions and status', load: () => import('./commands/list.ts') },
  status: { summary: 'counts by state, queued jobs and failures', load: () => import('./commands/status.ts') },
  search: { summary: 'search photos by words and by meaning', load: () => import('./commands/search.ts') },
  similar: { summary: 'photos that look like a given photo', load: () => import('./commands/similar.ts') },
  export: { summary: 'export captions as alt text (csv, json, html, xmp)', load: () => import('./commands/export.ts') },
  train: { summary: 'train the mapping network on your captions or a dataset', load: () => import('./commands/train.ts') },
  versions: { summary: 'list trained model versions, activate one or revert', load: () => import('./commands/versions.ts') },
  serve: { summary: 'serve the app over HTTP on 127.0.0.1 (headless use, tests)', load: () => import('./commands/serve.ts') },
}

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length))
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return ['usage: photocap COMMAND [OPTIONS]', '', 'commands:', ...lines].join('\n')
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage())
    return name === undefined ? 2 : 0
  }
  const command = commands[name]
  if (!command) {
    io.err(`photocap: unknown command '${name}'\n${usage()}`)
    return 2
  }
  try {
    const mod = await command.load()
    return await mod.run(rest, io)
  } catch (error) {
    // Every command parses its arguments by one rule (args.ts): --help prints
    // the usage, a usage error is status 2 with the usage, whatever the command.
    if (error instanceof HelpRequested) {
      io.out(error.usage)
      return 0
    }
    io.err(`photocap ${name}: ${error instanceof Error ? error.message : String(error)}${error instanceof UsageError && error.usage ? `\n${error.usage}` : ''}`)
    if (process.env.PHOTOCAP_DEBUG) console.error(error)
    return error instanceof UsageError ? 2 : 1
  }
}
