// Binary COPY FROM STDIN with plain pg: a "submittable" query object, the mechanism that
// pg-copy-streams uses, so the benchmark needs no extra package. Binary, because text COPY
// would print and parse 512 floats a row (~5 KB of text) where binary sends 2 KB as is.
import { once } from 'node:events';
import { DIMENSIONS, MODEL } from './data.js';

const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]); // signature, flags, extension length
const TRAILER = Buffer.from([0xff, 0xff]);
const MODEL_BYTES = Buffer.from(MODEL);
const VECTOR_BYTES = 4 + 4 * DIMENSIONS; // pgvector's binary form: int16 dim, int16 unused, float4[dim], big-endian
const ROW_BYTES = 2 + (4 + 8) + (4 + 4) + (4 + MODEL_BYTES.length) + (4 + VECTOR_BYTES);
const ROWS_PER_BATCH = 2000; // ~4 MB a write

/** A knowledge_base_embeddings row (chunk_id, account_id, model, embedding) in COPY binary format. */
function writeRow(buffer, offset, { chunkId, account, vector }) {
  let at = buffer.writeInt16BE(4, offset);
  at = buffer.writeInt32BE(8, at);
  at = buffer.writeBigInt64BE(BigInt(chunkId), at);
  at = buffer.writeInt32BE(4, at);
  at = buffer.writeInt32BE(account, at);
  at = buffer.writeInt32BE(MODEL_BYTES.length, at);
  at += MODEL_BYTES.copy(buffer, at);
  at = buffer.writeInt32BE(VECTOR_BYTES, at);
  at = buffer.writeInt16BE(DIMENSIONS, at);
  at = buffer.writeInt16BE(0, at);
  for (let d = 0; d < DIMENSIONS; d++) at = buffer.writeFloatBE(vector[d], at);
  return at;
}

/** The COPY stream of all rows, in batches of ROWS_PER_BATCH rows. */
export function* copyBatches(rows) {
  yield HEADER;
  let buffer = Buffer.allocUnsafe(ROW_BYTES * ROWS_PER_BATCH);
  let at = 0;
  for (const row of rows) {
    at = writeRow(buffer, at, row);
    if (at === buffer.length) {
      yield buffer;
      buffer = Buffer.allocUnsafe(ROW_BYTES * ROWS_PER_BATCH); // the connection may still hold the last one
      at = 0;
    }
  }
  if (at > 0) yield buffer.subarray(0, at);
  yield TRAILER;
}

/** Runs `sql` (a COPY ... FROM STDIN) on `client`, sending `batches`; resolves to the row count. */
export function copyIn(client, sql, batches) {
  return new Promise((resolve, reject) => {
    let failure = null;
    let rowCount = 0;
    const pump = async (connection) => {
      for (const batch of batches) {
        if (failure) return; // the server gave up: stop producing
        connection.sendCopyFromChunk(batch);
        // Backpressure: the generator outruns the socket, and 2 GB must not pile up in memory.
        if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
      }
      connection.endCopyFrom();
    };
    client.query({
      submit: (connection) => connection.query(sql),
      handleCopyInResponse: (connection) =>
        pump(connection).catch((error) => {
          failure = error;
          connection.sendCopyFail(error.message);
        }),
      handleCommandComplete: (message) => (rowCount = Number(message.text.split(' ').pop())),
      handleError: (error) => (failure ??= error),
      handleReadyForQuery: () => (failure ? reject(failure) : resolve(rowCount)),
      handleCopyData: () => {},
      handleRowDescription: () => {},
      handleDataRow: () => {},
      handleEmptyQuery: () => {},
    });
  });
}
