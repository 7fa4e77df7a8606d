// A named host tensor: the one currency between weight files, graph builders,
// preprocessing and decoding. Float weights are always widened to float32 on load.

export type DType = 'float32' | 'int64' | 'int32' | 'uint8' | 'bool'

export type TensorData = Float32Array | BigInt64Array | Int32Array | Uint8Array

export interface HostTensor {
  dtype: DType
  shape: number[]
  data: TensorData
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

export function f32(shape: number[], data: Float32Array | number[]): HostTensor {
  const arr = data instanceof Float32Array ? data : Float32Array.from(data)
  if (arr.length !== numel(shape)) throw new Error(`tensor of shape [${shape}] needs ${numel(shape)} values, got ${arr.length}`)
  return { dtype: 'float32', shape, data: arr }
}

export function asFloat32(t: HostTensor, name = 'tensor'): Float32Array {
  if (!(t.data instanceof Float32Array)) throw new Error(`${name}: expected float32 data, got ${t.dtype}`)
  return t.data
}
