// `photocap search QUERY [--db FILE] [--limit N] [--json] [--pack DIR] [--words-only]`
// Words and meaning, fused (src/main/engine/search). `--json` prints one object
// per line: {"path","caption","score","source":"words|meaning|both"}.
import { parseCommandArgs } from '../args.ts'
import { SEARCH_QUERY_MAX_CHARS } from '../../../shared/api.ts'
import { openSearchSession } from '../search-session.ts'
import type { CliIo } from '../io.ts'

export async function run(args: string[], io: CliIo): Promise<number> {
  const cli = parseCommandArgs(args, {
    usage: 'usage: photocap search QUERY [--db FILE] [--limit N] [--json] [--pack DIR] [--words-only]',
    positionals: true,
    options: { db: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, pack: { type: 'string' }, 'words-only': { type: 'boolean' } },
  })
  const { values, positionals } = cli
  const query = positionals.join(' ').trim()
  if (!query) cli.fail('no QUERY given')
  if (query.length > SEARCH_QUERY_MAX_CHARS) cli.fail(`the query is ${query.length} characters; at most ${SEARCH_QUERY_MAX_CHARS} (as in the app)`)
  const limit = cli.number('limit', { integer: true, min: 1 }) ?? 20
  const session = await openSearchSession({ env: io.env, cwd: io.cwd, db: values.db, pack: values.pack, meaning: !values['words-only'] })
  try {
    const result = await session.search.search(query, { limit }).complete
    if (result.meaning === 'unavailable' && result.meaningNote && !values['words-only']) io.err(`photocap search: words only: ${result.meaningNote}`)
    for (const item of result.items) {
      if (values.json) io.out(JSON.stringify({ path: item.path, caption: item.caption, score: round(item.score), source: item.source }))
      else io.out(`${item.score.toFixed(3)}  ${item.source.padEnd(7)}  ${item.path ?? '?'}${item.caption ? `  ${item.caption}` : ''}`)
    }
    if (!values.json && result.items.length === 0) io.err(`photocap search: nothing found for '${query}'`)
    return 0
  } finally {
    await session.close()
  }
}

const round = (x: number) => Math.round(x * 1e6) / 1e6
