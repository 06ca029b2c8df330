-- pgvector: knowledge-base embeddings and semantic search. On servers with pgvector < 0.8.2,
-- build HNSW indexes with max_parallel_maintenance_workers = 0 (CVE-2026-3172).
CREATE EXTENSION IF NOT EXISTS vector;
