-- Word search: one FTS5 document per photo with its current caption
-- (auto or user), its file and folder names, and searchable EXIF text.
-- [Note: FTS kept in sync by triggers]
-- The document is rebuilt from the photo_fts_source view by triggers on every
-- table it reads, so every writer (the indexer, `caption set`, a rename, the app,
-- another process) keeps it current without knowing it exists.
-- unicode61 remove_diacritics 2 folds "Café" and "cafe", "Zürich" and "zurich";
-- the prefix indexes make as-you-type prefix queries cheap.
CREATE VIRTUAL TABLE photo_fts USING fts5(
  caption, names, exif,
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3'
);

-- names: the root folder's own name plus each relative path ("Holidays/2019 Crete/IMG_0042.jpg");
-- the tokenizer splits on / . _ - so folders and file names become words.
-- exif: camera make and model, and the year and month taken.
CREATE VIEW photo_fts_source AS
SELECT
  ph.id AS id,
  coalesce(c.text, '') AS caption,
  coalesce((
    SELECT group_concat(replace(r.path, rtrim(r.path, replace(r.path, '/', '')), '') || '/' || p.rel_path, ' ')
    FROM paths p JOIN roots r ON r.id = p.root_id WHERE p.photo_id = ph.id
  ), '') AS names,
  trim(
    coalesce(ph.camera_make, '') || ' ' || coalesce(ph.camera_model, '') || ' ' ||
    CASE WHEN ph.taken_at IS NULL THEN '' ELSE
      strftime('%Y', ph.taken_at / 1000, 'unixepoch') || ' ' ||
      CASE CAST(strftime('%m', ph.taken_at / 1000, 'unixepoch') AS INTEGER)
        WHEN 1 THEN 'January' WHEN 2 THEN 'February' WHEN 3 THEN 'March' WHEN 4 THEN 'April'
        WHEN 5 THEN 'May' WHEN 6 THEN 'June' WHEN 7 THEN 'July' WHEN 8 THEN 'August'
        WHEN 9 THEN 'September' WHEN 10 THEN 'October' WHEN 11 THEN 'November' ELSE 'December' END
    END
  ) AS exif
FROM photos ph LEFT JOIN captions c ON c.id = ph.caption_id;

INSERT INTO photo_fts (rowid, caption, names, exif) SELECT id, caption, names, exif FROM photo_fts_source;

CREATE TRIGGER photos_fts_insert AFTER INSERT ON photos BEGIN
  INSERT INTO photo_fts (rowid, caption, names, exif) SELECT id, caption, names, exif FROM photo_fts_source WHERE id = NEW.id;
END;

CREATE TRIGGER photos_fts_update AFTER UPDATE OF caption_id, camera_make, camera_model, taken_at ON photos BEGIN
  DELETE FROM photo_fts WHERE rowid = NEW.id;
  INSERT INTO photo_fts (rowid, caption, names, exif) SELECT id, caption, names, exif FROM photo_fts_source WHERE id = NEW.id;
END;

CREATE TRIGGER photos_fts_delete AFTER DELETE ON photos BEGIN
  DELETE FROM photo_fts WHERE rowid = OLD.id;
END;

CREATE TRIGGER captions_fts_update AFTER UPDATE OF text ON captions BEGIN
  DELETE FROM photo_fts WHERE rowid IN (SELECT id FROM photos WHERE caption_id = NEW.id);
  INSERT INTO photo_fts (rowid, caption, names, exif)
    SELECT id, caption, names, exif FROM photo_fts_source WHERE id IN (SELECT id FROM photos WHERE caption_id = NEW.id);
END;

CREATE TRIGGER paths_fts_insert AFTER INSERT ON paths BEGIN
  DELETE FROM photo_fts WHERE rowid = NEW.photo_id;
  INSERT INTO photo_fts (rowid, caption, names, exif) SELECT id, caption, names, exif FROM photo_fts_source WHERE id = NEW.photo_id;
END;

CREATE TRIGGER paths_fts_update AFTER UPDATE OF rel_path, root_id, photo_id ON paths BEGIN
  DELETE FROM photo_fts WHERE rowid IN (OLD.photo_id, NEW.photo_id);
  INSERT INTO photo_fts (rowid, caption, names, exif)
    SELECT id, caption, names, exif FROM photo_fts_source WHERE id IN (OLD.photo_id, NEW.photo_id);
END;

CREATE TRIGGER paths_fts_delete AFTER DELETE ON paths BEGIN
  DELETE FROM photo_fts WHERE rowid = OLD.photo_id;
  INSERT INTO photo_fts (rowid, caption, names, exif) SELECT id, caption, names, exif FROM photo_fts_source WHERE id = OLD.photo_id;
END;

CREATE TRIGGER roots_fts_update AFTER UPDATE OF path ON roots BEGIN
  DELETE FROM photo_fts WHERE rowid IN (SELECT photo_id FROM paths WHERE root_id = NEW.id);
  INSERT INTO photo_fts (rowid, caption, names, exif)
    SELECT id, caption, names, exif FROM photo_fts_source WHERE id IN (SELECT photo_id FROM paths WHERE root_id = NEW.id);
END;
