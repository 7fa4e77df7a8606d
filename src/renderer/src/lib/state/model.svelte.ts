// The composition root of the renderer: every state module, wired to one
// transport and to the backend's events. Components get it from context and
// never see the transport.
import { getContext, setContext } from 'svelte'
import type { Transport } from '../../../../shared/types.ts'
import { ActivityState } from './activity.svelte.ts'
import { Announcer } from './announcer.svelte.ts'
import { AppState } from './app.svelte.ts'
import { ConnectionState } from './connection.svelte.ts'
import { Drafts } from './drafts.ts'
import { ExportState } from './export.svelte.ts'
import { FolderBrowserState } from './folder-browser.svelte.ts'
import { LibraryState } from './library.svelte.ts'
import { PhotoState } from './photo.svelte.ts'
import { SearchState } from './search.svelte.ts'
import { SelectionState } from './selection.svelte.ts'
import { SettingsState } from './settings.svelte.ts'
import { TrainingState } from './training.svelte.ts'

export class AppModel {
  readonly announcer = new Announcer()
  readonly connection = new ConnectionState()
  readonly app: AppState
  readonly library: LibraryState
  readonly photo: PhotoState
  readonly activity: ActivityState
  readonly search: SearchState
  readonly settings: SettingsState
  readonly training: TrainingState
  readonly folders: FolderBrowserState
  readonly exporter: ExportState
  readonly selection: SelectionState
  #offs: (() => void)[] = []

  constructor(backend: Transport, options: { drafts?: Drafts } = {}) {
    const transport = this.connection.watch(backend, { probe: (t) => t.call('app.info', {}), onBack: () => this.#back() })
    this.app = new AppState(transport)
    this.library = new LibraryState(transport, this.announcer)
    this.photo = new PhotoState(transport, this.announcer, this.library, { connection: this.connection, drafts: options.drafts ?? new Drafts() })
    this.activity = new ActivityState(transport, this.announcer)
    this.search = new SearchState(transport, this.announcer)
    this.settings = new SettingsState(transport, this.announcer)
    this.training = new TrainingState(transport, this.announcer)
    this.folders = new FolderBrowserState(transport)
    this.exporter = new ExportState(transport, this.announcer)
    this.selection = new SelectionState(this.announcer, this.library)
    this.#offs.push(
      transport.on('jobs.progressed', (a) => this.activity.update(a)),
      transport.on('photos.added', () => this.library.scheduleRefresh()),
      transport.on('photos.removed', () => this.library.scheduleRefresh()),
      transport.on('photos.updated', (e) => {
        this.library.scheduleRefresh()
        void this.photo.reloadIfShowing(e.ids)
      }),
      transport.on('roots.changed', () => this.library.scheduleRefresh(0)),
      transport.on('models.progressed', (m) => this.settings.updateModels(m)),
      transport.on('training.progressed', (t) => this.training.update(t)),
    )
  }

  async start(): Promise<void> {
    await this.app.load()
    if (this.app.fatal) return
    if (this.app.info) this.photo.drafts.setScope(this.app.info.dbPath)
    await Promise.all([this.library.load(), this.activity.load(), this.settings.load(), this.training.load()])
  }

  /** After the event socket reconnects, fetch what may have been missed. */
  resync(): void {
    void this.library.refresh()
    void this.activity.load()
  }

  /** The server answers again after being unreachable. */
  #back(): void {
    this.announcer.say('Connected to Photocap again.')
    if (this.app.fatal || !this.app.info) {
      this.app.fatal = null
      void this.start()
      return
    }
    this.resync()
    this.photo.retryIfFailed()
  }

  dispose(): void {
    for (const off of this.#offs) off()
  }
}

const key = Symbol('photocap-model')
export const provideModel = (model: AppModel): AppModel => setContext(key, model)
export const useModel = (): AppModel => getContext<AppModel>(key)
