// The one rule for a command's arguments, for every command: flags are parsed
// by node:util parseArgs in strict mode, so a flag the command does not know, a
// flag without its value or a stray argument is a usage error that names the
// flag; -h/--help prints the usage (stdout, status 0); a number or a choice that
// is out of range says which flag, what it expects and what it got. Usage
// errors are thrown as UsageError and the dispatcher (index.ts) prints them with
// the command's usage and exits with status 2, whatever the command.
import { parseArgs, type ParseArgsConfig } from 'node:util'

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>

/** A mistake in how the command was called: status 2, with the usage. */
export class UsageError extends Error {
  override name = 'UsageError'
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message)
  }
}

/** -h/--help was given: the dispatcher prints the usage to stdout and exits 0. */
export class HelpRequested extends Error {
  override name = 'HelpRequested'
  constructor(readonly usage: string) {
    super('help requested')
  }
}

export interface NumberRule {
  integer?: boolean
  min?: number
  max?: number
}

/** 'an integer from 1 to 16', 'a number of at least 0', 'an integer'. */
export function describeNumberRule(rule: NumberRule): string {
  const kind = rule.integer ? 'an integer' : 'a number'
  if (rule.min !== undefined && rule.max !== undefined) return `${kind} from ${rule.min} to ${rule.max}`
  if (rule.min !== undefined) return `${kind} of at least ${rule.min}`
  if (rule.max !== undefined) return `${kind} of at most ${rule.max}`
  return kind
}

/** 'a', 'a or b', 'a, b or c'. */
function either(choices: readonly string[]): string {
  return choices.length <= 1 ? (choices[0] ?? '') : `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`
}

const help = { help: { type: 'boolean', short: 'h' } } as const

/** The flags' values: a string or a boolean, an array of them for a flag that may repeat; absent when not given. */
export type FlagValues<O extends ParseArgsOptionsConfig> = {
  -readonly [K in keyof O]?: O[K] extends { multiple: true }
    ? O[K]['type'] extends 'string'
      ? string[]
      : boolean[]
    : O[K]['type'] extends 'string'
      ? string
      : boolean
}

type StringOption<O extends ParseArgsOptionsConfig> = { [K in keyof O]: O[K]['type'] extends 'string' ? K : never }[keyof O] & string

export interface CommandSpec<O extends ParseArgsOptionsConfig> {
  /** The usage line(s), printed with every usage error and for --help. */
  usage: string
  options: O
  /** Whether the command takes arguments besides its flags (default: no). */
  positionals?: boolean
}

/**
 * Parse a command's arguments by the one rule above. Besides the values and
 * positionals it gives the checks that share the rule: `number` and `choice`
 * for a flag's value, `fail` for any other usage mistake the command finds.
 */
export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(args: string[], spec: CommandSpec<O>) {
  let parsed: { values: Record<string, unknown>; positionals: string[] }
  try {
    parsed = parseArgs({ args, options: { ...spec.options, ...help }, strict: true, allowPositionals: spec.positionals ?? false })
  } catch (error) {
    // ERR_PARSE_ARGS_UNKNOWN_OPTION, _INVALID_OPTION_VALUE (a missing value), _UNEXPECTED_POSITIONAL: each message names the flag or argument.
    const code = (error as { code?: unknown } | null)?.code
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw new UsageError((error as Error).message, spec.usage)
    throw error
  }
  if (parsed.values.help) throw new HelpRequested(spec.usage)
  const values = parsed.values as FlagValues<O>
  const raw = (name: string): string | undefined => parsed.values[name] as string | undefined
  const fail = (message: string): never => {
    throw new UsageError(message, spec.usage)
  }
  return {
    values,
    positionals: parsed.positionals,
    fail,
    /** The flag's value as a number within the rule; undefined when the flag is not given. */
    number(name: StringOption<O>, rule: NumberRule = {}): number | undefined {
      const value = raw(name)
      if (value === undefined) return undefined
      const n = value.trim() === '' ? NaN : Number(value)
      const inRange =
        Number.isFinite(n) && (!rule.integer || Number.isInteger(n)) && (rule.min === undefined || n >= rule.min) && (rule.max === undefined || n <= rule.max)
      return inRange ? n : fail(`--${name}: expected ${describeNumberRule(rule)}, got '${value}'`)
    },
    /** The flag's value, one of the choices; undefined when the flag is not given. */
    choice<const C extends string>(name: StringOption<O>, choices: readonly C[]): C | undefined {
      const value = raw(name)
      if (value === undefined) return undefined
      return (choices as readonly string[]).includes(value) ? (value as C) : fail(`--${name}: expected ${either(choices)}, got '${value}'`)
    },
  }
}
