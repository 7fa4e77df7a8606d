-- Reviewed captions: an automatic caption a person looked at and accepted as
-- right (the review flow). From then on it is treated like one they wrote: no
-- automatic re-captioning replaces it (a new model's caption goes to history),
-- and it counts as an approved caption for "Learn my style". NULL = not reviewed.
-- (0040-0049: caption review, owned by the interface's review flow.)
ALTER TABLE captions ADD COLUMN reviewed_at INTEGER;
CREATE INDEX captions_reviewed ON captions(reviewed_at) WHERE reviewed_at IS NOT NULL;
