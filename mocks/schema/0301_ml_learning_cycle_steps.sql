-- ml-service's self-learning cycle runs seven steps (actuals fetcher, accuracy tracker,
-- auto-retrain, compound learning, auto-promote, cross-learning, RAG indexing). The step-name
-- check of 0005 is widened to accept them; every name it accepted before is still accepted.
ALTER TABLE learning_cycle_steps DROP CONSTRAINT IF EXISTS learning_cycle_steps_step_name_check;
ALTER TABLE learning_cycle_steps ADD CONSTRAINT learning_cycle_steps_step_name_check
  CHECK (step_name IN ('collect_feedback', 'update_posteriors', 'retrain', 'evaluate', 'promote',
                       'extract_patterns',
                       'actuals_fetcher', 'accuracy_tracker', 'auto_retrain', 'compound_learning',
                       'auto_promote', 'cross_learning', 'rag_indexing'));

-- A caller-chosen cycle key makes POST /v1/learning/cycles idempotent: a retried request with the
-- same key finds the cycle instead of starting another.
ALTER TABLE learning_cycles ADD COLUMN IF NOT EXISTS cycle_key text
  CHECK (cycle_key IS NULL OR length(cycle_key) BETWEEN 1 AND 200);
CREATE UNIQUE INDEX IF NOT EXISTS learning_cycles_cycle_key_idx ON learning_cycles (cycle_key)
  WHERE cycle_key IS NOT NULL;

-- The model version the cycle promoted, if any (auto-promote).
ALTER TABLE learning_cycles ADD COLUMN IF NOT EXISTS promoted_model_version text;
