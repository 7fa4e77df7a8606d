// `photocap search QUERY [--db FILE] [--limit N] [--json] [--pack DIR] [--words-only]`
// Words and meaning, fused (src/main/engine/search). `--json` prints one object
// per line: {"path","caption","score","source":"words|meaning|both"}.
import { parseArgs } from 'node:util'
import { SEARCH_QUERY_MAX_CHARS } from '../../../shared/api.ts'
import { openSearchSession, parseLimit } from '../search-session.ts'
import type { CliIo } from '../io.ts'

export async function run(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: { db: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, pack: { type: 'string' }, 'words-only': { type: 'boolean' } },
  })
  const query = positionals.join(' ').trim()
  if (!query) {
    io.err('usage: photocap search QUERY [--db FILE] [--limit N] [--json] [--pack DIR] [--words-only]')
    return 2
  }
  if (query.length > SEARCH_QUERY_MAX_CHARS) {
    io.err(`photocap search: the query is ${query.length} characters; at most ${SEARCH_QUERY_MAX_CHARS} (as in the app)`)
    return 2
  }
  const limit = parseLimit(values.limit, 20)
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
