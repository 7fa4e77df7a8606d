// Domain types as the interface sees them, inferred from the API table's schemas
// so that a type and its runtime check can never disagree.
import type { z } from 'zod'
import type * as api from './api.ts'
import type { EventName, EventPayload, ImageKind, MethodInput, MethodName, MethodOutput } from './api.ts'

export type PhotoId = z.output<typeof api.PhotoId>
export type PhotoStatus = z.output<typeof api.PhotoStatus>
export type Provenance = z.output<typeof api.Provenance>
export type DecodeOptions = z.output<typeof api.DecodeOptions>
export type Caption = z.output<typeof api.Caption>
export type PhotoSummary = z.output<typeof api.PhotoSummary>
export type PhotoDetail = z.output<typeof api.PhotoDetail>
export type Root = z.output<typeof api.Root>
export type FolderCount = z.output<typeof api.FolderCount>
export type MonthGroup = z.output<typeof api.MonthGroup>
export type PhotoFilter = z.output<typeof api.PhotoFilter>
export type SortOrder = z.output<typeof api.SortOrder>
export type JobKind = z.output<typeof api.JobKind>
export type LibraryJobKind = z.output<typeof api.LibraryJobKind>
export type JobProgress = z.output<typeof api.JobProgress>
export type Failure = z.output<typeof api.Failure>
export type Activity = z.output<typeof api.Activity>
export type OverallProgress = z.output<typeof api.OverallProgress>
export type Settings = z.output<typeof api.Settings>
export type SettingsPatch = z.input<typeof api.SettingsPatch>
export type ModelPack = z.output<typeof api.ModelPack>
export type ModelsInfo = z.output<typeof api.ModelsInfo>
export type SearchHit = z.output<typeof api.SearchHit>
export type SearchResult = z.output<typeof api.SearchResult>
export type ExportFormat = z.output<typeof api.ExportFormat>
export type TrainingInfo = z.output<typeof api.TrainingInfo>
export type TrainingRun = z.output<typeof api.TrainingRun>
export type TrainingOptions = z.input<typeof api.TrainingOptions>
export type ModelVersion = z.output<typeof api.ModelVersion>
export type FolderListing = z.output<typeof api.FolderListing>

/**
 * What the renderer talks to. Two implementations, one per front door:
 * IPC through the preload (Electron) and fetch + WebSocket (`photocap serve`).
 * Components never see it; the state modules in src/renderer/lib/state do.
 */
export interface Transport {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>
  /** Subscribe to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, handler: (payload: EventPayload<E>) => void): () => void
  /** URL of a photo's thumbnail or preview, by id only. */
  /** `width`: for a preview, the long side in device pixels the screen needs (the server rounds it to a size bucket). */
  imageUrl(kind: ImageKind, id: PhotoId, version?: string | number, width?: number): string
  /**
   * Hear when the live link to the backend opens (true) or drops (false): the
   * event socket under `photocap serve`. Absent where the link cannot drop on
   * its own terms (a test double).
   */
  onConnection?(listener: (open: boolean) => void): () => void
}

/** The result of a call as it crosses a process or network boundary. */
export type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: WireError }

export interface WireError {
  code: ErrorCode
  message: string
}

export type ErrorCode = 'invalid_input' | 'invalid_output' | 'unknown_method' | 'not_found' | 'forbidden' | 'conflict' | 'unavailable' | 'internal'
