// The ML service the engine uses now, and the models last used with this
// library (recorded by reconcile), for when none is loaded.
import type { MlInfo, MlService } from '../../ml/service.ts'
import type { LibraryDb } from '../db/database.ts'
import { readInternal } from '../settings.ts'

export interface LoadedModel {
  service: MlService
  info: MlInfo
}

export interface ModelIds {
  embeddingModelId: string
  captionModelId: string
}

export class ActiveModel {
  /** The loaded service and its info; null: indexing without ML. */
  current: LoadedModel | null = null

  constructor(private readonly db: LibraryDb) {}

  /** The models last used with this library (recorded by reconcile). */
  stored(): ModelIds | null {
    const stored = readInternal(this.db, 'models')
    try {
      const m = stored ? (JSON.parse(stored) as { embeddingModelId?: unknown; captionModelId?: unknown }) : null
      return m && typeof m.embeddingModelId === 'string' && typeof m.captionModelId === 'string'
        ? { embeddingModelId: m.embeddingModelId, captionModelId: m.captionModelId }
        : null
    } catch {
      return null
    }
  }

  /** The models captions and embeddings are compared with: the loaded ones, else the last ones used. */
  ids(): ModelIds | null {
    return this.current?.info ?? this.stored()
  }

  /** The caption model captions are compared with: the loaded one, else the last one used with this library. */
  captionModelId(): string | null {
    return this.current?.info.captionModelId ?? this.stored()?.captionModelId ?? null
  }
}
