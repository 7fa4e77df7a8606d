// Geometry of CLIP's `_transform(size)`: torchvision Resize(size) on the shorter
// side, then CenterCrop(size). Pure arithmetic.

/** Python's round(): half to even (0.5 -> 0, 1.5 -> 2, 2.5 -> 2). */
export function pyRound(x: number): number {
  const floor = Math.floor(x)
  const diff = x - floor
  if (diff < 0.5) return floor
  if (diff > 0.5) return floor + 1
  return floor % 2 === 0 ? floor : floor + 1
}

export interface ClipGeometry {
  /** size after the shorter-side resize */
  resizedWidth: number
  resizedHeight: number
  /** no resampling at all (the image already has that size) */
  resizeSkipped: boolean
  cropTop: number
  cropLeft: number
  size: number
}

/**
 * Shorter side -> `size`, longer side -> trunc(size * long / short) evaluated in
 * double precision like torchvision; crop offsets round((H - size) / 2) half to even.
 */
export function clipGeometry(width: number, height: number, size = 224): ClipGeometry {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
    throw new Error(`image size must be positive integers, got ${width}x${height}`)
  if (!(Number.isInteger(size) && size > 0)) throw new Error(`image size parameter must be a positive integer, got ${size}`)
  let resizedWidth: number
  let resizedHeight: number
  if (width <= height) {
    resizedWidth = size
    resizedHeight = Math.trunc((size * height) / width)
  } else {
    resizedHeight = size
    resizedWidth = Math.trunc((size * width) / height)
  }
  return {
    resizedWidth,
    resizedHeight,
    resizeSkipped: resizedWidth === width && resizedHeight === height,
    // CenterCrop pads when the image is smaller than the crop; after the resize it never is.
    cropTop: pyRound((resizedHeight - size) / 2),
    cropLeft: pyRound((resizedWidth - size) / 2),
    size,
  }
}
