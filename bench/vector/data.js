// Synthetic knowledge-base embeddings that behave like sentence embeddings, reproducibly.
//
// Uniform random 512-d vectors are the worst case for HNSW and unlike real embeddings, which sit
// near a low-dimensional surface, cluster by topic, and share a common direction (unrelated
// sentences still have cosine ~0.2). So the space here has DOMAINS broad domains, GLOBAL_TOPICS
// global topics drawn around them (topics shade into each other instead of sitting on islands of
// empty space), each a centre plus SUBSPACE directions of variation. Every account draws its own topics near global
// ones (so tenants overlap in space: the hard case for tenant filtering), and every chunk is one
// of its account's topics plus variation, L2-normalised. Everything comes from seeded PRNG
// streams keyed by (purpose, account), so the queries of an account can be drawn again on a rerun
// that reuses the stored rows.

export const MODEL = 'local-use-lite-512';
export const DIMENSIONS = 512;
export const SEED = 20_251_107;
// Stored with the data set: a data set made by another version of this file is loaded anew.
export const GENERATOR = 'topics-v3';

const DOMAINS = 10;
const GLOBAL_TOPICS = 100;
const DOMAIN_SPREAD = 0.6; // a global topic's distance from its domain
const SUBSPACE = 16; // directions of variation per global topic: low intrinsic dimension
const ANISOTROPY = 0.5; // weight of the direction every embedding shares
const TOPIC_SPREAD = 0.4; // an account topic's distance from its global topic, within the subspace...
const TOPIC_NOISE = 0.1; // ...and in all 512 dimensions
const CHUNK_SPREAD = 0.5; // a chunk's distance from its account topic, within the subspace...
const CHUNK_NOISE = 0.4; // ...and in all 512 dimensions

/** mulberry32 with Box-Muller gaussians: small, fast and the same on every machine. */
export class Random {
  constructor(seed) {
    this.state = seed >>> 0;
    this.spare = null;
  }

  next() {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n) {
    return Math.floor(this.next() * n);
  }

  gaussian() {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  }
}

/** A 32-bit seed for one stream: (purpose, account, ...) mixed into SEED. */
export function seedFor(...parts) {
  let h = SEED;
  for (const part of parts) {
    h = Math.imul(h ^ part, 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
  }
  return h >>> 0;
}

function normalize(vector) {
  let sum = 0;
  for (let d = 0; d < vector.length; d++) sum += vector[d] * vector[d];
  const scale = 1 / Math.sqrt(sum);
  for (let d = 0; d < vector.length; d++) vector[d] *= scale;
  return vector;
}

/** Adds variation of length ~spread inside `basis` and ~noise in all dimensions. */
function vary(vector, basis, spread, noise, random) {
  const noiseScale = noise / Math.sqrt(DIMENSIONS);
  for (let d = 0; d < DIMENSIONS; d++) vector[d] += noiseScale * random.gaussian();
  for (let k = 0; k < SUBSPACE; k++) {
    const c = (spread / Math.sqrt(SUBSPACE)) * random.gaussian();
    const offset = k * DIMENSIONS;
    for (let d = 0; d < DIMENSIONS; d++) vector[d] += c * basis[offset + d];
  }
}

let globals;
/** The global topics: centres (all leaning towards one shared direction, grouped by domain) and their bases. */
function globalTopics() {
  if (globals) return globals;
  const random = new Random(seedFor(1));
  const gaussianVector = () => Float64Array.from({ length: DIMENSIONS }, () => random.gaussian());
  const shared = normalize(gaussianVector());
  const domains = Array.from({ length: DOMAINS }, () => normalize(gaussianVector()));
  globals = Array.from({ length: GLOBAL_TOPICS }, (_, g) => {
    const own = normalize(gaussianVector());
    const domain = domains[g % DOMAINS];
    const centre = normalize(own.map((x, d) => DOMAIN_SPREAD * x + domain[d] + ANISOTROPY * shared[d]));
    // Columns of norm ~1 and nearly orthogonal: that is what random 512-d gaussians are.
    const basis = Float64Array.from({ length: SUBSPACE * DIMENSIONS }, () => random.gaussian() / Math.sqrt(DIMENSIONS));
    return { centre, basis };
  });
  return globals;
}

/** How many topics an account of `size` chunks writes about: a few to a few hundred. */
export function topicCount(size) {
  return Math.min(300, Math.max(3, Math.round(Math.sqrt(size) / 2)));
}

/** An account's topics, the same on every run for the same account and size. */
export function accountTopics(account, size) {
  const random = new Random(seedFor(2, account));
  return Array.from({ length: topicCount(size) }, () => {
    const global = random.int(GLOBAL_TOPICS);
    const vector = Float64Array.from(globalTopics()[global].centre);
    vary(vector, globalTopics()[global].basis, TOPIC_SPREAD, TOPIC_NOISE, random);
    return { global, vector: normalize(vector) };
  });
}

/** One chunk (or query) of an account: one of its topics plus variation, written into `out`. */
export function sampleVector(topics, random, out = new Float64Array(DIMENSIONS)) {
  const topic = topics[random.int(topics.length)];
  out.set(topic.vector);
  vary(out, globalTopics()[topic.global].basis, CHUNK_SPREAD, CHUNK_NOISE, random);
  return normalize(out);
}

/**
 * Chunks per account, indexed by account id (index 0 unused): account 1 holds half, accounts
 * 2..A share the other half by Zipf (weight 1/rank), so most are small and a few are medium.
 * Largest-remainder rounding keeps the total exact.
 */
export function accountSizes(chunks, accounts) {
  const sizes = new Array(accounts + 1).fill(0);
  sizes[1] = accounts === 1 ? chunks : Math.floor(chunks / 2);
  const rest = chunks - sizes[1];
  if (accounts === 1) return sizes;
  let harmonic = 0;
  for (let rank = 1; rank < accounts; rank++) harmonic += 1 / rank;
  const shares = [];
  let assigned = 0;
  for (let rank = 1; rank < accounts; rank++) {
    const exact = rest / rank / harmonic;
    sizes[rank + 1] = Math.floor(exact);
    assigned += sizes[rank + 1];
    shares.push({ account: rank + 1, remainder: exact - Math.floor(exact) });
  }
  shares.sort((a, b) => b.remainder - a.remainder);
  for (let i = 0; i < rest - assigned; i++) sizes[shares[i].account]++;
  return sizes;
}

/** Which account each chunk id belongs to, shuffled: tenants' chunks interleave on disk as they would in production. */
export function chunkAccounts(sizes) {
  const total = sizes.reduce((a, b) => a + b, 0);
  const owners = new Int32Array(total);
  let i = 0;
  for (let account = 1; account < sizes.length; account++) owners.fill(account, i, (i += sizes[account]));
  const random = new Random(seedFor(3));
  for (let j = total - 1; j > 0; j--) {
    const k = random.int(j + 1);
    [owners[j], owners[k]] = [owners[k], owners[j]];
  }
  return owners;
}

/** Every chunk in chunk-id order: { chunkId, account, vector } (the vector buffer is reused). */
export function* chunks(sizes) {
  const owners = chunkAccounts(sizes);
  const topics = sizes.map((size, account) => (account === 0 || size === 0 ? null : accountTopics(account, size)));
  const random = new Random(seedFor(4));
  const vector = new Float64Array(DIMENSIONS);
  for (let i = 0; i < owners.length; i++) {
    const account = owners[i];
    yield { chunkId: i + 1, account, vector: sampleVector(topics[account], random, vector) };
  }
}

/** `count` query vectors of an account, drawn like its own chunks, as pgvector text. */
export function queryVectors(account, size, count, stream = 0) {
  const topics = accountTopics(account, size);
  const random = new Random(seedFor(5, account, stream));
  return Array.from({ length: count }, () => toText(sampleVector(topics, random)));
}

export function toText(vector) {
  return `[${Array.from(vector, (x) => x.toPrecision(7)).join(',')}]`;
}
