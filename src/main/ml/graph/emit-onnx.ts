// Serialise a Graph (ir.ts) to an ONNX model file with onnx-proto.
//
// [Note: external data] Initializers of at least `externalDataThreshold` bytes
// go into ONE side file `<fileName>.data` next to the model (ONNX external data:
// location/offset/length, offsets aligned to 64 bytes), so model.onnx stays
// small (protobuf's 2 GiB limit never bites) and ORT can read weights directly.
// Both files are written under temporary names and renamed at the end, the
// data file first, so a crash never leaves a model.onnx pointing at missing data.
import fs from 'node:fs'
import path from 'node:path'
import onnxPkg from 'onnx-proto'
import type { onnx as O } from 'onnx-proto'
import type { DType, HostTensor } from '../weights/tensor.ts'
import { ATTR_FLOAT_NAMES, CONTRIB_DOMAIN, CONTRIB_OPS, IR_VERSION, OPSET_VERSION, validateGraph, type AttrValue, type Graph, type ValueInfo } from './ir.ts'
import { ONNX_DTYPE } from './builder.ts'

const { onnx } = onnxPkg

export interface EmitOptions {
  /** Output directory (created if missing). */
  dir: string
  /** Model file name, default 'model.onnx'. */
  fileName?: string
  /** Initializers with at least this many bytes go to the external data file; default 1024. Infinity = none. */
  externalDataThreshold?: number
  /** Producer metadata stored in the model (key/value). */
  metadata?: Record<string, string>
}

export interface EmitResult {
  modelPath: string
  /** The external data file, or null when every initializer was inlined. */
  dataPath: string | null
  modelBytes: number
  dataBytes: number
}

const ALIGN = 64

function tensorBytes(t: HostTensor): Uint8Array {
  if (t.dtype === 'bool') return Uint8Array.from(t.data as Uint8Array, (x) => (x ? 1 : 0))
  const d = t.data
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength)
}

function valueInfoProto(v: ValueInfo): O.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[v.dtype],
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d.startsWith('?') ? '' : d })) },
      },
    },
  }
}

function inlineTensor(name: string, t: HostTensor): O.ITensorProto {
  // Copy: protobufjs keeps a reference to rawData; a subarray of a shared buffer is fine to encode.
  return { name, dims: t.shape, dataType: ONNX_DTYPE[t.dtype as DType], rawData: tensorBytes(t) }
}

function attributeProto(name: string, value: AttrValue): O.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType
  if (typeof value === 'number') {
    return ATTR_FLOAT_NAMES.has(name) ? { name, type: T.FLOAT, f: value } : { name, type: T.INT, i: value }
  }
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) }
  if (Array.isArray(value)) return ATTR_FLOAT_NAMES.has(name) ? { name, type: T.FLOATS, floats: value } : { name, type: T.INTS, ints: value }
  return { name, type: T.TENSOR, t: inlineTensor('', value) }
}

/** Write `graph` as an ONNX model (+ one external data file for big initializers). */
export function emitOnnx(graph: Graph, options: EmitOptions): EmitResult {
  validateGraph(graph)
  const fileName = options.fileName ?? 'model.onnx'
  const threshold = options.externalDataThreshold ?? 1024
  const dataName = `${fileName}.data`
  fs.mkdirSync(options.dir, { recursive: true })
  const modelPath = path.join(options.dir, fileName)
  const dataPath = path.join(options.dir, dataName)
  const tmpSuffix = `.tmp-${process.pid}-${Date.now()}`

  const initializers: O.ITensorProto[] = []
  let dataFd: number | null = null
  let offset = 0
  try {
    for (const [name, t] of graph.initializers) {
      const bytes = tensorBytes(t)
      if (bytes.byteLength < threshold) {
        initializers.push(inlineTensor(name, t))
        continue
      }
      if (dataFd === null) dataFd = fs.openSync(dataPath + tmpSuffix, 'w')
      const pad = (ALIGN - (offset % ALIGN)) % ALIGN
      if (pad) fs.writeSync(dataFd, new Uint8Array(pad))
      offset += pad
      let written = 0
      while (written < bytes.byteLength) written += fs.writeSync(dataFd, bytes, written, bytes.byteLength - written)
      initializers.push({
        name,
        dims: t.shape,
        dataType: ONNX_DTYPE[t.dtype],
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: dataName },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(bytes.byteLength) },
        ],
      })
      offset += bytes.byteLength
    }
  } finally {
    if (dataFd !== null) fs.closeSync(dataFd)
  }

  const initNames = new Set(graph.initializers.keys())
  const model: O.IModelProto = {
    irVersion: IR_VERSION,
    producerName: 'photocap',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: OPSET_VERSION }, ...(graph.nodes.some((n) => CONTRIB_OPS.has(n.op)) ? [{ domain: CONTRIB_DOMAIN, version: 1 }] : [])],
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: graph.name,
      node: graph.nodes.map((n) => ({
        name: n.name,
        opType: n.op,
        domain: CONTRIB_OPS.has(n.op) ? CONTRIB_DOMAIN : '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs).map(([k, v]) => attributeProto(k, v)),
      })),
      initializer: initializers,
      input: graph.inputs.filter((n) => !initNames.has(n)).map((n) => valueInfoProto(graph.values.get(n)!)),
      output: graph.outputs.map((n) => valueInfoProto(graph.values.get(n)!)),
    },
  }
  const encoded = onnx.ModelProto.encode(model).finish()
  if (dataFd !== null) fs.renameSync(dataPath + tmpSuffix, dataPath)
  else fs.rmSync(dataPath, { force: true })
  fs.writeFileSync(modelPath + tmpSuffix, encoded)
  fs.renameSync(modelPath + tmpSuffix, modelPath)
  return { modelPath, dataPath: dataFd !== null ? dataPath : null, modelBytes: encoded.byteLength, dataBytes: offset }
}
