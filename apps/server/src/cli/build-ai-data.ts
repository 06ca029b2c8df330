/**
 * Build step, after tsc (`npm run build -w @hummdesk/server`): what the local AI computes once for
 * every installation rather than at every fresh start, written into dist beside the code:
 * - the default taxonomy's model (modules/ai/default-model.ts), which every new account starts with;
 * - the demo articles' vectors (modules/demo/article-vectors.ts);
 * - eld's 'medium' language database in a compact form (platform/ai/language-ngrams.ts), which
 *   every process that detects a language reads instead of eld's JavaScript object literal.
 * `npm start` builds at every start, so each is computed only when something it depends on
 * changed (its inputs, the compiled code that computes it, the installed packages): otherwise this
 * returns in a fraction of a second, without loading the encoder.
 *
 * A failure warns and exits 0: the server does without the outputs (a new account trains its first
 * model, the demo embeds its articles, language detection imports eld/medium), and `npm start`
 * must not fail for them. The tests that read them (default-model.test.ts,
 * precomputed-vectors.test.ts, language-ngrams.test.ts) fail when they are missing.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL_FILE, taxonomyFingerprint, trainDefaultModel } from '../modules/ai/default-model.js';
import { DEFAULT_TAXONOMY } from '../modules/ai/taxonomy.repo.js';
import { DEMO_ARTICLE_VECTORS_FILE, demoArticleTexts } from '../modules/demo/article-vectors.js';
import { localEmbeddingModel } from '../platform/ai/embedding-models.js';
import { createEmbedder, type Embedder } from '../platform/ai/embeddings.js';
import { eldMediumNgramsUrl, encodeNgrams, LANGUAGE_NGRAMS_FILE, type EldNgramsData } from '../platform/ai/language-ngrams.js';
import { precomputeVectors } from '../platform/ai/precomputed-vectors.js';

const dist = fileURLToPath(new URL('../', import.meta.url));
const lockFile = fileURLToPath(new URL('../../../../package-lock.json', import.meta.url));

/** The compiled code an output depends on (files of dist), and the packages (the encoder's weights). */
function codeHash(files: string[]) {
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update(readFileSync(join(dist, file)));
  if (existsSync(lockFile)) hash.update(readFileSync(lockFile));
  return hash.digest('hex');
}

const allAiCode = readdirSync(join(dist, 'platform/ai'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.js'))
  .sort()
  .map((file) => join('platform/ai', file));
const embeddingCode = ['embeddings.js', 'embedding-worker.js', 'embedding-models.js', 'precomputed-vectors.js', 'text-hash.js'].map((file) =>
  join('platform/ai', file),
);

function builtKey(file: URL): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { build?: string }).build;
  } catch {
    return undefined;
  }
}

const demoTexts = demoArticleTexts();
let embedder: Embedder | undefined;
/** The encoder, loaded only for an output that needs it. */
const encoder = () => (embedder ??= createEmbedder());
const outputs: { name: string; file: URL; code: string[]; inputs: string; compute: (encoder: () => Embedder) => Promise<object> }[] = [
  {
    // First: training the default model detects languages, with this file once it is there.
    name: 'the compact language database',
    file: LANGUAGE_NGRAMS_FILE,
    // eld's version is in the packages' lock file, which codeHash reads.
    code: ['platform/ai/language-ngrams.js'],
    inputs: '',
    compute: async () => encodeNgrams(((await import(eldMediumNgramsUrl())) as { ngramsData: EldNgramsData }).ngramsData),
  },
  {
    name: 'the default model',
    file: DEFAULT_MODEL_FILE,
    // Embedding, n-grams, fitting, calibration, encoding (most of platform/ai), and the taxonomy's examples as it trains them.
    code: [...allAiCode, 'modules/ai/default-model.js'],
    inputs: taxonomyFingerprint(DEFAULT_TAXONOMY),
    compute: (encoder) => trainDefaultModel(encoder(), DEFAULT_TAXONOMY),
  },
  {
    name: `the demo articles' vectors`,
    file: DEMO_ARTICLE_VECTORS_FILE,
    code: embeddingCode,
    inputs: JSON.stringify(demoTexts),
    compute: (encoder) => precomputeVectors(localEmbeddingModel(encoder()), demoTexts),
  },
];

for (const output of outputs) {
  // Written whole, then renamed: a server or test reading it meanwhile sees the old file or the new.
  const written = `${fileURLToPath(output.file)}.${process.pid}`;
  try {
    const key = createHash('sha256').update(codeHash(output.code)).update(output.inputs).digest('hex');
    if (builtKey(output.file) === key) continue;
    const started = performance.now();
    writeFileSync(written, JSON.stringify({ build: key, ...(await output.compute(encoder)) }));
    renameSync(written, output.file);
    console.log(`Computed ${output.name} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    // The output of older code or inputs goes too: it might not fit what runs now.
    for (const file of [written, output.file]) rmSync(file, { force: true });
    console.warn(`Could not compute ${output.name} (the server computes what it needs at run time instead):`, error);
  }
}
await embedder?.close();
