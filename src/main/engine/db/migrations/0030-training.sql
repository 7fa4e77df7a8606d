-- On-device training: every trained model is a version. A version is
-- a complete pack folder (pack_dir) whose mapping (and, when GPT-2 was tuned,
-- gpt2) was trained here; the others are hard links or copies of the base pack.
-- state: training (a run in progress or interrupted: checkpoint_dir holds its
-- last checkpoint, so a kill -9 resumes), ready (evaluated), failed.
-- At most one version is active; activating sets settings.activePack in the
-- same transaction, so the switch is atomic.
CREATE TABLE model_versions (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('training', 'ready', 'failed')),
  base_pack TEXT NOT NULL,
  pack_dir TEXT NOT NULL,
  checkpoint_dir TEXT,
  -- JSON: mapping type, prefix length, tuned GPT-2, epochs, steps, lr, warmup, seed, split, counts.
  params TEXT NOT NULL,
  -- JSON: {old: {val_loss, bleu4, cider_d}, new: {...}, samples: [{photo_id, reference, old, new}]}.
  metrics TEXT,
  error TEXT,
  active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
  -- The pack that was active before this one was activated (what revert goes back to).
  previous_pack TEXT,
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  activated_at INTEGER
) STRICT;
CREATE UNIQUE INDEX model_versions_one_active ON model_versions(active) WHERE active = 1;
