-- A trained model (base64 floats, about 7 MB for 77 categories) barely compresses, yet pglz tries
-- on every write: about 200 ms of the 300 ms a 10,000-example model's write takes, during which
-- PGlite's single connection serves no other account. Stored out of line, uncompressed.
ALTER TABLE "ai_models" ALTER COLUMN "weights" SET STORAGE EXTERNAL;
