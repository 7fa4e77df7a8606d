-- Word search ranks with BM25 weighted by column (caption 1.0, names 0.6,
-- EXIF 0.4) through FTS5's `rank` column, so `ORDER BY rank LIMIT n` is computed
-- inside FTS5 without evaluating anything else for every match.
INSERT INTO photo_fts (photo_fts, rank) VALUES ('rank', 'bm25(1.0, 0.6, 0.4)');
