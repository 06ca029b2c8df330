// Preloaded into the bench's server (node --import ./bench/count-round-trips.js): counts the
// queries each HTTP request sends to Postgres (every pg client `query` is one round trip, a
// multi-statement simple query too) and answers the count in an `x-round-trips` header. Counted
// while the request is handled, before its response: a load-independent figure, read by
// bench/run.js from sequential requests. Never loaded by the server itself.
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import pg from 'pg';

const counting = new AsyncLocalStorage();

const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (...args) {
  const counter = counting.getStore();
  if (counter) counter.queries += 1;
  return query.apply(this, args);
};

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, ...args) {
  if (event !== 'request') return emit.call(this, event, ...args);
  return counting.run({ queries: 0 }, () => emit.call(this, event, ...args));
};

const writeHead = http.ServerResponse.prototype.writeHead;
http.ServerResponse.prototype.writeHead = function (...args) {
  const counter = counting.getStore();
  if (counter && !this.headersSent) this.setHeader('x-round-trips', String(counter.queries));
  return writeHead.apply(this, args);
};
