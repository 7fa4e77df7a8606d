// photos.*: the grid's pages and months, one photo in full (with the EXIF lines the details panel shows), and its neighbours.
import { formatWallClock } from '../../engine/library/dates.ts'
import { hasThumbnail, need, pageSummary, toSummary, wireCaption, type HandlerDeps, type HandlerSlice } from './common.ts'

export function photoHandlers(deps: Pick<HandlerDeps, 'engine'>): HandlerSlice<'photos'> {
  const { engine } = deps
  const views = engine.views
  return {
    'photos.timeline': ({ filter, order }) => views.timeline(filter, order),
    'photos.list': ({ filter, order, offset, limit }) => {
      const page = views.page(filter, offset, limit, order)
      const items = page.ids.map((id) => engine.photos.get(id)).filter((p) => p !== null)
      return { total: page.total, items: items.map((p) => pageSummary(engine, p)) }
    },
    'photos.get': ({ id }) => {
      const p = need(engine.photos.get(id), `no photo with id ${id}`)
      const history = engine.captions.history(id)
      const current = history.find((c) => c.current) ?? null
      const exif: { label: string; value: string }[] = []
      const camera = [p.cameraMake, p.cameraModel].filter(Boolean).join(' ')
      if (camera) exif.push({ label: 'Camera', value: camera })
      if (p.gpsLat !== null && p.gpsLon !== null) exif.push({ label: 'Location', value: `${p.gpsLat.toFixed(5)}, ${p.gpsLon.toFixed(5)}` })
      if (p.orientation !== null && p.orientation !== 1) exif.push({ label: 'Orientation', value: `EXIF ${p.orientation}` })
      if (p.mime) exif.push({ label: 'Format', value: p.mime })
      if (p.takenOffsetMinutes !== null) exif.push({ label: 'Time zone', value: `UTC${formatWallClock(0, p.takenOffsetMinutes, true).slice(23)}` })
      if (p.takenAt === null) exif.push({ label: 'Date taken', value: 'not recorded in the file' })
      if (p.embeddedDescription !== null && p.embeddedDescription !== p.caption) {
        exif.push({
          label: 'Embedded description',
          value: p.embeddedFiller ? `${p.embeddedDescription} (not used as a caption: ${p.embeddedFiller})` : p.embeddedDescription,
        })
      }
      if (p.decodeNote) exif.push({ label: 'Decoding', value: p.decodeNote })
      if (p.captionStale) exif.push({ label: 'Caption', value: 'written by an earlier model; a new one is on its way' })
      return {
        ...toSummary(p),
        paths: p.paths.map((x) => x.path),
        captionInfo: current ? wireCaption(current) : null,
        history: history
          .filter((c) => !c.current)
          .map(wireCaption)
          .reverse(),
        hasAutoCaption: history.some((c) => c.provenance === 'auto'),
        exif,
        sizeBytes: p.size,
        hasImage: hasThumbnail(engine, id),
      }
    },
    'photos.neighbours': ({ id, filter, order }) => views.neighbours(id, filter, order),
  }
}
