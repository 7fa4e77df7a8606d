-- A RAW file shot together with a JPEG (same folder and name) is one moment:
-- its path joins the JPEG's photo (library/raw-pairs.ts). raw_pair marks such
-- a path, so the photo is shown and decoded from its JPEG.
ALTER TABLE paths ADD COLUMN raw_pair INTEGER NOT NULL DEFAULT 0 CHECK (raw_pair IN (0, 1));
