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
import { GridPrefs } from './grid-prefs.svelte.ts'
import { LibraryState } from './library.svelte.ts'
import { PhotoState } from './photo.svelte.ts'
import { SearchState } from './search.svelte.ts'
import { ReviewState } from './review.svelte.ts'
import { SelectionState } from './selection.svelte.ts'
import { SettingsState } from './settings.svelte.ts'
import { TrainingState } from './training.svelte.ts'
import { addressFilter, formatRoute, type AddressFilter, type Route } from '../route.ts'

export class AppModel {
  readonly announcer = new Announcer()
  readonly connection = new ConnectionState()
  readonly app: AppState
  readonly library: LibraryState
  readonly photo: PhotoState
  readonly activity: ActivityState
  readonly search: SearchState
  readonly review: ReviewState
  readonly settings: SettingsState
  readonly training: TrainingState
  readonly folders: FolderBrowserState
  readonly exporter: ExportState
  readonly selection: SelectionState
  readonly gridPrefs: GridPrefs
  /** Whether the sidebar is shown on a narrow window (below 1000 px it folds behind the Menu button). */
  sidebarOpen = $state(false)
  #offs: (() => void)[] = []
  /** True once the first load (and the address the page was opened at) is applied. */
  started = $state(false)

  constructor(backend: Transport, options: { drafts?: Drafts; gridPrefs?: GridPrefs } = {}) {
    const transport = this.connection.watch(backend, { probe: (t) => t.call('app.info', {}), onBack: () => this.#back() })
    this.app = new AppState(transport)
    this.library = new LibraryState(transport, this.announcer)
    this.photo = new PhotoState(transport, this.announcer, this.library, { connection: this.connection, drafts: options.drafts ?? new Drafts() })
    this.activity = new ActivityState(transport, this.announcer)
    this.search = new SearchState(transport, this.announcer)
    this.review = new ReviewState(transport, this.announcer, this.photo)
    this.settings = new SettingsState(transport, this.announcer)
    this.training = new TrainingState(transport, this.announcer)
    this.folders = new FolderBrowserState(transport)
    this.exporter = new ExportState(transport, this.announcer)
    this.selection = new SelectionState(this.announcer, this.library)
    this.gridPrefs = options.gridPrefs ?? new GridPrefs()
    this.library.order = this.gridPrefs.order
    this.#offs.push(
      transport.on('jobs.progressed', (a) => this.activity.update(a)),
      transport.on('engine.state', (e) => this.connection.engine(e.state)),
      transport.on('photos.added', () => this.library.scheduleRefresh()),
      transport.on('photos.removed', () => this.library.scheduleRefresh()),
      transport.on('photos.changed', (e) => {
        this.library.scheduleRefresh()
        void this.photo.reloadIfShowing(e.ids)
      }),
      transport.on('roots.changed', () => this.library.scheduleRefresh(0)),
      transport.on('models.progressed', (m) => this.settings.updateModels(m)),
      transport.on('training.progressed', (t) => this.training.update(t)),
    )
  }

  /** Load everything; `initial` is the address the page was opened at (a link, a reload). */
  async start(initial?: Route): Promise<void> {
    await this.app.load()
    if (this.app.fatal) return
    if (this.app.info) this.photo.drafts.setScope(this.app.info.dbPath)
    // The grid shows as soon as the library is loaded; a photo opened (or a view
    // chosen) while the rest loads must not be undone by the opening address.
    const before = formatRoute(this.route)
    await Promise.all([this.library.load(), this.activity.load(), this.settings.load(), this.training.load(), this.review.load()])
    if (initial && formatRoute(this.route) === before) await this.applyRoute(initial)
    this.started = true
  }

  /** The address of what is on screen (lib/route.ts). */
  get route(): Route {
    const folder = this.library.filter.folder
    const inFolder = folder ? { folder } : {}
    if (this.app.view === 'review') return this.photo.id !== null ? { view: 'review', id: this.photo.id } : { view: 'review' }
    if (this.app.view !== 'library') return { view: this.app.view }
    const filter = addressFilter(this.search.filter)
    const filtered = filter ? { filter } : {}
    if (this.photo.id !== null) {
      const q = this.search.similarTo ? '' : this.search.text
      return { view: 'photo', id: this.photo.id, ...inFolder, ...(q.trim() ? { q, ...filtered } : {}) }
    }
    if (this.search.similarTo) return { view: 'similar', id: this.search.similarTo.id }
    if (this.search.text.trim()) return { view: 'search', q: this.search.text, ...inFolder, ...filtered }
    return { view: 'library', ...inFolder }
  }

  /** Show what an address names (Back/Forward, a link, a reload); parts already showing are left alone. */
  async applyRoute(route: Route): Promise<void> {
    if (route.view === 'activity' || route.view === 'settings' || route.view === 'training') {
      this.closePhoto()
      this.search.clear()
      this.app.go(route.view)
      return
    }
    if (route.view === 'review') {
      this.search.clear()
      if (this.app.view === 'review') {
        if (route.id !== undefined && route.id !== this.photo.id) await this.review.goTo(route.id)
        return
      }
      this.photo.close()
      this.review.wanted = route.id ?? null
      this.app.go('review')
      return
    }
    this.app.go('library')
    if (route.view !== 'similar') this.#showFolder(route.folder)
    if (route.view === 'library') {
      this.closePhoto()
      this.search.clear()
    } else if (route.view === 'search') {
      this.closePhoto()
      this.#showSearchFilter(route.filter)
      if (this.search.text !== route.q || this.search.similarTo) this.search.setText(route.q)
    } else if (route.view === 'similar') {
      this.closePhoto()
      if (this.search.similarTo?.id !== route.id) {
        try {
          const d = await this.photo.summaryOf(route.id)
          await this.search.similar({ id: route.id, name: d.name })
        } catch {
          this.search.clear()
        }
      }
    } else if (route.view === 'photo') {
      if (route.q) this.#showSearchFilter(route.filter)
      if (route.q && this.search.text !== route.q) this.search.setText(route.q)
      else if (!route.q && this.search.text.trim()) this.search.clear()
      if (this.photo.id !== route.id) await this.photo.open(route.id)
    }
  }

  /** Leave the photo view; the grid focuses the photo that was open. */
  closePhoto(): void {
    if (this.photo.id === null) return
    // Back to the results it was opened from: focus that result; else the grid's tile.
    if (this.search.active && this.search.hits.some((h) => h.photo.id === this.photo.id)) {
      this.search.returnFocusId = this.photo.id
    } else {
      const i = this.library.indexOf(this.photo.id)
      if (i >= 0) this.library.focusIndex = i
      this.library.returnFocus = true
    }
    this.photo.close()
  }

  /** The search's filters as an address names them; its folder is the sidebar's, left as it is. */
  #showSearchFilter(filter: AddressFilter | undefined): void {
    if (JSON.stringify(addressFilter(this.search.filter) ?? {}) === JSON.stringify(filter ?? {})) return
    const { folder, rootId } = this.search.filter
    this.search.setFilter({ ...(folder !== undefined ? { folder } : {}), ...(rootId !== undefined ? { rootId } : {}), ...filter })
  }

  #showFolder(folder: string | undefined): void {
    if (this.library.filter.folder === folder) return
    const { folder: _f, ...rest } = this.library.filter
    this.library.setFilter(folder === undefined ? rest : { ...rest, folder })
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
