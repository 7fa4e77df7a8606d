// The one rule for command arguments (args.ts), on its own and through the dispatcher.
import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { describeNumberRule, HelpRequested, parseCommandArgs, UsageError } from './args.ts'
import { main } from './index.ts'
import { captureIo } from '../../../test/helpers/cli-io.ts'

const USAGE = 'usage: photocap demo [--db FILE] [--limit N] [--json] [--mode a|b] THING...'
const spec = {
  usage: USAGE,
  positionals: true,
  options: { db: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, mode: { type: 'string' } },
} as const

function usageError(f: () => unknown): UsageError {
  try {
    f()
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).usage).toBe(USAGE)
    return error as UsageError
  }
  throw new Error('expected a usage error')
}

describe('parseCommandArgs', () => {
  it('gives the flags and the arguments', () => {
    const cli = parseCommandArgs(['--db', 'x.db', 'a', '--json', 'b'], spec)
    expect(cli.values).toEqual({ db: 'x.db', json: true })
    expect(cli.positionals).toEqual(['a', 'b'])
  })

  it('a value that looks like a flag must be attached (--limit=-1), and the error says so', () => {
    expect(usageError(() => parseCommandArgs(['--limit', '-1'], spec)).message).toMatch(/'--limit' argument is ambiguous.*\n.*\n.*'--limit=-XYZ'/)
  })

  it('an unknown flag is a usage error that names it', () => {
    expect(usageError(() => parseCommandArgs(['--bogus', 'a'], spec)).message).toMatch(/Unknown option '--bogus'/)
  })

  it('a flag without its value is a usage error that names it', () => {
    expect(usageError(() => parseCommandArgs(['a', '--db'], spec)).message).toMatch(/--db/)
  })

  it('an argument a command does not take is a usage error', () => {
    expect(usageError(() => parseCommandArgs(['stray'], { usage: USAGE, options: {} })).message).toMatch(/Unexpected argument 'stray'/)
  })

  it('--help and -h ask for the usage', () => {
    for (const flag of ['--help', '-h']) expect(() => parseCommandArgs([flag], spec)).toThrow(HelpRequested)
  })

  it('numbers: in range is the number, out of range or not a number names the flag, the rule and the value', () => {
    const rule = { integer: true, min: 1, max: 16 }
    expect(parseCommandArgs(['--limit', '16'], spec).number('limit', rule)).toBe(16)
    expect(parseCommandArgs([], spec).number('limit', rule)).toBeUndefined()
    for (const bad of ['17', '0', '2.5', 'lots', '']) {
      const cli = parseCommandArgs(['--limit', bad], spec)
      expect(usageError(() => cli.number('limit', rule)).message).toBe(`--limit: expected an integer from 1 to 16, got '${bad}'`)
    }
    expect(usageError(() => parseCommandArgs(['--limit=-1'], spec).number('limit', { min: 0 })).message).toBe(
      "--limit: expected a number of at least 0, got '-1'",
    )
    expect(parseCommandArgs(['--limit', '0.5'], spec).number('limit', { min: 0 })).toBe(0.5)
  })

  it('choices: one of them, or an error that lists them', () => {
    expect(parseCommandArgs(['--mode', 'b'], spec).choice('mode', ['a', 'b'])).toBe('b')
    expect(parseCommandArgs([], spec).choice('mode', ['a', 'b'])).toBeUndefined()
    expect(usageError(() => parseCommandArgs(['--mode', 'c'], spec).choice('mode', ['a', 'b', 'x'])).message).toBe("--mode: expected a, b or x, got 'c'")
  })

  it('fail is a usage error with the usage', () => {
    expect(usageError(() => parseCommandArgs([], spec).fail('no THING given')).message).toBe('no THING given')
  })

  it('describes number rules in words', () => {
    expect([describeNumberRule({}), describeNumberRule({ integer: true }), describeNumberRule({ max: 3 })]).toEqual([
      'a number',
      'an integer',
      'a number of at most 3',
    ])
  })
})

describe('through the dispatcher, in every command', () => {
  const capture = () => captureIo(os.tmpdir(), { PHOTOCAP_DATA_DIR: os.tmpdir() })

  it.each(['caption', 'embed', 'models', 'index', 'watch', 'remove', 'retry', 'list', 'status', 'search', 'similar', 'export', 'train', 'versions', 'serve'])(
    '%s --help prints its usage on stdout, status 0',
    async (name) => {
      const c = capture()
      expect(await main([name, '--help'], c.io)).toBe(0)
      expect(c.out.join('\n')).toMatch(new RegExp(`^usage: photocap ${name}\\b`))
      expect(c.err).toEqual([])
    },
  )

  it('a usage error prints the command, the problem and the usage on stderr, status 2', async () => {
    const c = capture()
    expect(await main(['search', 'dog', '--limit', '0'], c.io)).toBe(2)
    expect(c.err.join('\n')).toBe(
      "photocap search: --limit: expected an integer of at least 1, got '0'\nusage: photocap search QUERY [--db FILE] [--limit N] [--json] [--pack DIR] [--words-only]",
    )
    const missing = capture()
    expect(await main(['list', '--db'], missing.io)).toBe(2)
    expect(missing.err.join('\n')).toMatch(/^photocap list: Option '--db <value>' argument missing\nusage: photocap list /)
  })
})
