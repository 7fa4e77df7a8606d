-- Day words in word search: a photo is found by the weekday and the
-- day of the month it was taken ("sunday", "1 april", "april 1"), beside the
-- year and month words of 0020. All four come from taken_at, which is the
-- photo's own wall-clock time stored as if UTC ([Note: dates taken are
-- wall-clock] in library/dates.ts), so strftime reads it without 'localtime':
-- the words are the date the photographer saw, whatever the machine's zone.
-- The day is written without a leading zero ("1", not "01"), as people type it.
DROP VIEW photo_fts_source;
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
        WHEN 9 THEN 'September' WHEN 10 THEN 'October' WHEN 11 THEN 'November' ELSE 'December' END || ' ' ||
      CAST(CAST(strftime('%d', ph.taken_at / 1000, 'unixepoch') AS INTEGER) AS TEXT) || ' ' ||
      CASE CAST(strftime('%w', ph.taken_at / 1000, 'unixepoch') AS INTEGER)
        WHEN 0 THEN 'Sunday' WHEN 1 THEN 'Monday' WHEN 2 THEN 'Tuesday' WHEN 3 THEN 'Wednesday'
        WHEN 4 THEN 'Thursday' WHEN 5 THEN 'Friday' ELSE 'Saturday' END
    END
  ) AS exif
FROM photos ph LEFT JOIN captions c ON c.id = ph.caption_id;

-- Every document again, with its day words.
DELETE FROM photo_fts;
INSERT INTO photo_fts (rowid, caption, names, exif) SELECT id, caption, names, exif FROM photo_fts_source;
