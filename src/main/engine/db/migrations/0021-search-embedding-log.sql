-- Meaning search keeps an in-memory matrix of embeddings. It learns
-- what changed since it last looked from this log, written by triggers, so any
-- writer (the indexer, another process) keeps it in sync and a query pays only
-- for the changes since the previous one. The index prunes entries it has read
-- (keeping a bounded tail) and rebuilds from `embeddings` when it fell behind.
CREATE TABLE search_embedding_log (
  seq INTEGER PRIMARY KEY,
  photo_id INTEGER NOT NULL,
  model_id TEXT NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('upsert', 'delete'))
) STRICT;

CREATE TRIGGER embeddings_log_insert AFTER INSERT ON embeddings BEGIN
  INSERT INTO search_embedding_log (photo_id, model_id, op) VALUES (NEW.photo_id, NEW.model_id, 'upsert');
END;

CREATE TRIGGER embeddings_log_update AFTER UPDATE ON embeddings BEGIN
  INSERT INTO search_embedding_log (photo_id, model_id, op) VALUES (OLD.photo_id, OLD.model_id, 'delete');
  INSERT INTO search_embedding_log (photo_id, model_id, op) VALUES (NEW.photo_id, NEW.model_id, 'upsert');
END;

CREATE TRIGGER embeddings_log_delete AFTER DELETE ON embeddings BEGIN
  INSERT INTO search_embedding_log (photo_id, model_id, op) VALUES (OLD.photo_id, OLD.model_id, 'delete');
END;
