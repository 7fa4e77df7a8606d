-- Keep the embedding change log (0021) bounded even when no search runs for a
-- long time (indexing from the command line only): every 1000th entry drops
-- those more than 100k behind. An index that fell further behind than that
-- rebuilds from `embeddings` ([Note: vector index sync]).
CREATE TRIGGER search_embedding_log_bound AFTER INSERT ON search_embedding_log
WHEN NEW.seq % 1000 = 0
BEGIN
  DELETE FROM search_embedding_log WHERE seq <= NEW.seq - 100000;
END;
