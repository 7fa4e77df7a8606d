-- The library: roots, photos (content identity), their paths, EXIF fields,
-- embeddings per model, captions with provenance and history, settings.
-- Times are Unix milliseconds (INTEGER).

CREATE TABLE roots (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  -- JSON array of glob patterns relative to the root ("**/raw/**", "*.tmp").
  exclude TEXT NOT NULL DEFAULT '[]',
  -- Poll instead of OS events (network and removable disks).
  use_polling INTEGER NOT NULL DEFAULT 0 CHECK (use_polling IN (0, 1)),
  available INTEGER NOT NULL DEFAULT 1 CHECK (available IN (0, 1)),
  -- JSON array of {path, error}: folders the last scan could not read.
  scan_errors TEXT NOT NULL DEFAULT '[]',
  added_at INTEGER NOT NULL,
  last_scan_at INTEGER
) STRICT;

-- A photo is its content. size + fast_hash (head and tail blocks) is the quick
-- key; full_hash is computed only when two files share the quick key.
-- fast_hash is NULL for a file that could not be read at all (it still gets a
-- row so its error is kept and shown).
CREATE TABLE photos (
  id INTEGER PRIMARY KEY,
  size INTEGER,
  fast_hash TEXT,
  full_hash TEXT,
  -- indexed -> thumbnailed -> embedded -> captioned; or failed (see error).
  status TEXT NOT NULL DEFAULT 'indexed' CHECK (status IN ('indexed', 'thumbnailed', 'embedded', 'captioned', 'failed')),
  error TEXT,
  -- Which stage failed, so a retry knows where to start.
  error_stage TEXT,
  mime TEXT,
  width INTEGER,
  height INTEGER,
  orientation INTEGER,
  taken_at INTEGER,
  camera_make TEXT,
  camera_model TEXT,
  gps_lat REAL,
  gps_lon REAL,
  thumb_key TEXT,
  caption_id INTEGER REFERENCES captions(id) ON DELETE SET NULL,
  added_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX photos_fast ON photos(size, fast_hash);
CREATE INDEX photos_status ON photos(status);
CREATE INDEX photos_taken ON photos(taken_at);

CREATE TABLE paths (
  id INTEGER PRIMARY KEY,
  photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
  root_id INTEGER NOT NULL REFERENCES roots(id) ON DELETE CASCADE,
  rel_path TEXT NOT NULL,
  size INTEGER,
  mtime_ms INTEGER,
  present INTEGER NOT NULL DEFAULT 1 CHECK (present IN (0, 1)),
  missing_since INTEGER,
  seen_at INTEGER NOT NULL,
  UNIQUE (root_id, rel_path)
) STRICT;
CREATE INDEX paths_photo ON paths(photo_id);

-- float32 little-endian vectors, one per (photo, embedding model).
CREATE TABLE embeddings (
  photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
  model_id TEXT NOT NULL,
  dim INTEGER NOT NULL,
  vector BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (photo_id, model_id)
) STRICT;

-- Every caption a photo ever had; photos.caption_id points at the current one.
CREATE TABLE captions (
  id INTEGER PRIMARY KEY,
  photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
  text TEXT NOT NULL,
  provenance TEXT NOT NULL CHECK (provenance IN ('auto', 'user')),
  -- auto: the caption model id and decoding settings (JSON); user: NULL, or
  -- 'file' in source when it was imported from the photo's own metadata.
  model_id TEXT,
  decoding TEXT,
  source TEXT,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX captions_photo ON captions(photo_id, created_at);

-- The durable work queue. kind: scan (a root), ingest (a file: hash + EXIF),
-- thumbnail, embed, caption (a photo). Lower priority runs first.
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('scan', 'ingest', 'thumbnail', 'embed', 'caption')),
  root_id INTEGER REFERENCES roots(id) ON DELETE CASCADE,
  rel_path TEXT,
  photo_id INTEGER REFERENCES photos(id) ON DELETE CASCADE,
  priority INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 3,
  not_before INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
-- At most one pending job per subject and kind: enqueueing twice is a no-op.
CREATE UNIQUE INDEX jobs_pending ON jobs(kind, coalesce(photo_id, -1), coalesce(root_id, -1), coalesce(rel_path, ''))
  WHERE state IN ('queued', 'running');
CREATE INDEX jobs_next ON jobs(state, priority, id);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
