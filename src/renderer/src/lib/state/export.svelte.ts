// Exporting alt text for what is on screen (a search result, "more like this"):
// CSV, JSON, HTML snippets or XMP sidecars, to a folder the person chooses.
import type { ExportFormat, Transport } from '../../../../shared/types.ts'
import type { Announcer } from './announcer.svelte.ts'
import { errorMessage } from './errors.ts'

export class ExportState {
  #t: Transport
  #announcer: Announcer
  format = $state<ExportFormat>('csv')
  sidecarNaming = $state<'photo.jpg.xmp' | 'photo.xmp'>('photo.jpg.xmp')
  busy = $state(false)
  result = $state<string | null>(null)
  error = $state<string | null>(null)

  constructor(transport: Transport, announcer: Announcer) {
    this.#t = transport
    this.#announcer = announcer
  }

  async run(photoIds: number[], outDir: string): Promise<void> {
    this.busy = true
    this.error = null
    this.result = null
    try {
      const r = await this.#t.call('export.run', {
        format: this.format,
        photoIds,
        outDir,
        ...(this.format === 'xmp' ? { sidecarNaming: this.sidecarNaming } : {}),
      })
      this.result = `Exported ${r.written} ${r.written === 1 ? 'caption' : 'captions'} to ${r.path || outDir}.${r.tooLong ? ` ${r.tooLong} ${r.tooLong === 1 ? 'is' : 'are'} longer than the 250 characters recommended for alt text.` : ''}`
      this.#announcer.say(this.result)
    } catch (error) {
      this.error = errorMessage(error)
      this.#announcer.alert(this.error)
    } finally {
      this.busy = false
    }
  }
}
