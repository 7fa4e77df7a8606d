// Interface preferences the engine's settings do not hold (the welcome was seen,
// ML worker threads), in a small JSON file beside the library database. Read
// back through a schema: a hand-edited or truncated file falls back to defaults.
import fs from 'node:fs'
import os from 'node:os'
import { z } from 'zod'

const prefsSchema = z.object({
  welcomeDone: z.boolean().default(false),
  workerThreads: z
    .number()
    .int()
    .min(1)
    .max(64)
    // Every core up to 4: the ML worker runs below normal priority ([Note: background
    // priority] in ml/worker/worker-main.ts), so the window and other programs still
    // come first, and on 2 cores one thread was 0.6× two (README, "Where a decode step goes").
    .default(Math.max(1, Math.min(4, os.availableParallelism()))),
})

export type Prefs = z.output<typeof prefsSchema>

export class AppPrefs {
  readonly #file: string
  #cache: Prefs | null = null

  constructor(file: string) {
    this.#file = file
  }

  get(): Prefs {
    if (this.#cache) return this.#cache
    let raw: unknown = {}
    try {
      raw = JSON.parse(fs.readFileSync(this.#file, 'utf8'))
    } catch {
      // absent or unreadable: defaults
    }
    const parsed = prefsSchema.safeParse(raw)
    this.#cache = parsed.success ? parsed.data : prefsSchema.parse({})
    return this.#cache
  }

  set(patch: Partial<Prefs>): Prefs {
    const next = prefsSchema.parse({ ...this.get(), ...patch })
    // Write-then-rename so a crash never leaves half a file.
    const tmp = `${this.#file}.tmp`
    fs.writeFileSync(tmp, JSON.stringify(next, null, 2))
    fs.renameSync(tmp, this.#file)
    this.#cache = next
    return next
  }
}
