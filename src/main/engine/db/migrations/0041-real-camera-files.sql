-- Real camera files.
-- taken_at is now the photo's local wall-clock time stored as if UTC
-- ([Note: dates taken are wall-clock] in library/dates.ts); taken_offset is the
-- camera's offset from UTC in minutes when the file records it; taken_source
-- names the field the date came from (NULL: undated; never the file's mtime).
ALTER TABLE photos ADD COLUMN taken_offset INTEGER;
ALTER TABLE photos ADD COLUMN taken_source TEXT;
-- The description text the file itself holds, also when it is camera filler
-- and so not imported as a caption ([Note: filler descriptions]); and why not.
ALTER TABLE photos ADD COLUMN embedded_description TEXT;
ALTER TABLE photos ADD COLUMN embedded_filler TEXT;
-- A decoder warning the photo was decoded despite ([Note: one decode policy]).
ALTER TABLE photos ADD COLUMN decode_note TEXT;
-- The XMP sidecar (photo.jpg.xmp or photo.xmp) last read for this path, by
-- its modification time, so a sidecar changed later is read again.
ALTER TABLE paths ADD COLUMN sidecar_mtime_ms INTEGER;

-- Dates written by earlier versions were the indexing machine's local time
-- read as an instant, and descriptions were imported without the filler rules:
-- read every file's metadata again at the next scan (thumbnails and
-- embeddings are kept: the content has not changed).
UPDATE paths SET mtime_ms = NULL;
