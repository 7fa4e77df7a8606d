// The photo view's stage: which preview size to ask for (sized to the screen,
// never more than the photo has), and the zoom steps from "fit" to 400 %.
// Pure: the view measures, these decide. The server rounds the same way
// ([Note: screen-sized previews] in src/main/engine/library/images.ts).

export interface Size {
  width: number
  height: number
}

/** The preview sizes the server caches; past the last one the photo's own size is asked for. */
export const previewBuckets = [960, 1600, 2560, 3840] as const
const smallest = 960
const largest = 3840

/** A requested long side rounded up to a bucket, or the photo's own long side past the largest (never above it). */
export function bucketed(needed: number, longSide: number | null): number {
  const bucket = previewBuckets.find((b) => b >= needed)
  const size = bucket ?? longSide ?? largest
  return longSide !== null && longSide > 0 ? Math.max(smallest, Math.min(size, longSide)) : size
}

/** CSS pixels per photo pixel when the photo fits the stage (contain). */
export function fitScale(stage: Size, photo: Size): number {
  if (photo.width <= 0 || photo.height <= 0 || stage.width <= 0 || stage.height <= 0) return 1
  return Math.min(stage.width / photo.width, stage.height / photo.height)
}

/** A zoom: the photo fitted to the stage, or a share of its real pixels (1 = one photo pixel per device pixel). */
export type Zoom = 'fit' | number

export const zoomSteps = [0.25, 0.5, 1, 2, 4] as const

/** The zoom in device pixels per photo pixel that "fit" amounts to. */
function effective(zoom: Zoom, fit: number, dpr: number): number {
  return zoom === 'fit' ? fit * dpr : zoom
}

/** One step closer: the next step above what is shown now. */
export function zoomIn(zoom: Zoom, fit: number, dpr: number): Zoom {
  const now = effective(zoom, fit, dpr)
  return zoomSteps.find((s) => s > now + 1e-6) ?? zoom
}

/** One step back: the step below what is shown now, and "fit" once a step would be no larger than fitting. */
export function zoomOut(zoom: Zoom, fit: number, dpr: number): Zoom {
  if (zoom === 'fit') return 'fit'
  const fitted = fit * dpr
  const lower = [...zoomSteps].reverse().find((s) => s < zoom - 1e-6)
  return lower === undefined || lower <= fitted + 1e-6 ? 'fit' : lower
}

/** How the zoom reads: "Fit" or a percentage of the photo's real pixels. */
export function zoomLabel(zoom: Zoom, fit: number, dpr: number): string {
  return `${Math.round(effective(zoom, fit, dpr) * 100)} %`
}

/** The long side, in device pixels, of the preview to ask for: what the stage shows at this zoom, bucketed. */
export function previewWidth(stage: Size, photo: Size | null, dpr: number, zoom: Zoom = 'fit'): number {
  if (!photo || photo.width <= 0 || photo.height <= 0) return bucketed(Math.max(stage.width, stage.height) * dpr, null)
  const longSide = Math.max(photo.width, photo.height)
  const needed = Math.round(longSide * effective(zoom, fitScale(stage, photo), dpr))
  return bucketed(needed, longSide)
}
