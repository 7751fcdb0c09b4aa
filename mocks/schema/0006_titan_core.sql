-- titan-core: creative DNA of videos, RAG documents, and the patterns self-learning finds.
-- Embeddings are cubes (PostgreSQL contrib) of at most 100 dimensions, GiST-indexed for
-- nearest-neighbour queries: ORDER BY embedding <-> cube(ARRAY[...]) LIMIT k.

CREATE TABLE creative_dna_extractions (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  video_id          bigint NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  extractor_version text NOT NULL,
  dna               jsonb NOT NULL,  -- hook type, pacing, colours, voice, captions, ...
  embedding         cube CHECK (embedding IS NULL OR cube_dim(embedding) <= 100),
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (video_id, extractor_version)  -- re-extracting with the same extractor is a no-op
);
CREATE INDEX creative_dna_extractions_embedding_idx
  ON creative_dna_extractions USING gist (embedding);

CREATE TABLE rag_documents (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source       text NOT NULL,
  source_ref   text NOT NULL,
  content      text NOT NULL,
  content_hash text NOT NULL,
  embedding    cube NOT NULL CHECK (cube_dim(embedding) BETWEEN 1 AND 100),
  metadata     jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, source_ref)
);
CREATE INDEX rag_documents_embedding_idx ON rag_documents USING gist (embedding);

-- A feature combination that beats its account's baseline.
CREATE TABLE winning_patterns (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ad_account_id     text NOT NULL,
  pattern_key       text NOT NULL,  -- normalised, e.g. "hook=question;pacing=fast"
  description       text NOT NULL DEFAULT '',
  support           integer NOT NULL CHECK (support > 0),  -- videos showing the pattern
  lift              double precision NOT NULL,  -- relative CTR lift over the account baseline
  confidence        double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
  learning_cycle_id bigint REFERENCES learning_cycles (id) ON DELETE SET NULL,
  discovered_at     timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (ad_account_id, pattern_key)
);
CREATE INDEX winning_patterns_account_lift_idx ON winning_patterns (ad_account_id, lift DESC);

-- A pattern that wins in several accounts: what a new account can start from.
CREATE TABLE cross_account_patterns (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  pattern_key       text NOT NULL UNIQUE,
  account_count     integer NOT NULL CHECK (account_count >= 2),
  mean_lift         double precision NOT NULL,
  confidence        double precision NOT NULL CHECK (confidence BETWEEN 0 AND 1),
  learning_cycle_id bigint REFERENCES learning_cycles (id) ON DELETE SET NULL,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cross_account_patterns_lift_idx ON cross_account_patterns (mean_lift DESC);
