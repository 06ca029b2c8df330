import Type from 'typebox';
import { CursorQuery } from '../../platform/pagination.js';
import { Name, NullableTimestamp, Timestamp } from '../../platform/schemas.js';

/** Articles are Markdown up to 5 MB (a long manual); they are chunked and embedded in the background. */
export const MAX_ARTICLE_CHARS = 5_000_000;
/** A request carrying the largest article, JSON-escaped, fits. */
export const ARTICLE_BODY_LIMIT = 16 * 1024 * 1024;

const ArticleStatus = Type.Union([Type.Literal('draft'), Type.Literal('published')], {
  description: 'Only published articles are searched and used for drafts',
});
const Category = Type.Union([
  Type.String({ maxLength: 50, pattern: '^[\\p{L}\\p{N}_ -]*$', description: 'Letters, digits, spaces, `-` and `_`' }),
  Type.Null(),
]);
const Content = Type.String({ minLength: 1, maxLength: MAX_ARTICLE_CHARS, pattern: '\\S', description: 'Markdown' });

export const ArticleFields = Type.Object(
  { title: Name(200), content: Content, category: Type.Optional(Category), status: Type.Optional(ArticleStatus) },
  { additionalProperties: false },
);

export const ArticleChanges = Type.Object(
  { title: Type.Optional(Name(200)), content: Type.Optional(Content), category: Type.Optional(Category), status: Type.Optional(ArticleStatus) },
  { additionalProperties: false, minProperties: 1 },
);

const articleProperties = {
  id: Type.Integer(),
  title: Type.String(),
  category: Type.Union([Type.String(), Type.Null()]),
  status: Type.String({ description: 'draft | published' }),
  author: Type.Union([Type.Object({ id: Type.Integer(), name: Type.String() }), Type.Null()]),
  embeddingStatus: Type.String({ description: 'pending (being embedded) | ready (searchable) | failed' }),
  embeddingError: Type.Union([Type.String(), Type.Null()]),
  chunkCount: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
};

export const Article = Type.Object({ ...articleProperties, content: Type.String({ description: 'Markdown, as written (render it sanitised)' }) });
export const ArticleSummary = Type.Object({ ...articleProperties, excerpt: Type.String({ description: 'The start of the article as plain text' }) });

export const ArticleListQuery = Type.Object(
  {
    ...CursorQuery,
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Words of the title' })),
    category: Type.Optional(Type.String({ maxLength: 50 })),
    status: Type.Optional(ArticleStatus),
  },
  { additionalProperties: false },
);

export const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 1_000, pattern: '\\S', description: 'A question or keywords' }),
    limit: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
  },
  { additionalProperties: false },
);

export const SearchResults = Type.Object({
  results: Type.Array(
    Type.Object({
      articleId: Type.Integer(),
      title: Type.String(),
      category: Type.Union([Type.String(), Type.Null()]),
      snippet: Type.String(),
      similarity: Type.Number({ description: 'Cosine similarity of the best passage to the question (0..1)' }),
      score: Type.Number({ description: 'Reciprocal-rank-fusion score of vector and full-text ranks' }),
    }),
  ),
  mode: Type.String({ description: 'hybrid, or full-text while the vectors are not searchable' }),
  strategy: Type.String({ description: 'exact (small account), hnsw (large account) or none' }),
  model: Type.String({ description: 'The embedding model the vectors are of' }),
});

export const IndexStatus = Type.Object({
  activeModel: Type.String({ description: 'The embedding model search uses now' }),
  configuredModel: Type.String(),
  buildingModel: Type.Union([Type.String(), Type.Null()], { description: 'Set while every chunk is embedded again with a new model' }),
  progress: Type.Integer(),
  total: Type.Integer(),
  articles: Type.Object({ pending: Type.Integer(), ready: Type.Integer(), failed: Type.Integer() }),
});

const ImportItem = Type.Object(
  { title: Name(200), content: Content, category: Type.Optional(Category), status: Type.Optional(ArticleStatus) },
  { additionalProperties: false },
);
const ImportFile = Type.Object(
  {
    path: Type.String({ minLength: 1, maxLength: 500, description: 'e.g. "billing/duplicate-charges.md": the folder is the category' }),
    content: Type.String({ maxLength: MAX_ARTICLE_CHARS, description: 'Markdown, optionally with front matter (title, category, status)' }),
  },
  { additionalProperties: false },
);
export const MAX_IMPORT_ITEMS = 5_000;
/**
 * Content an import may hold (a zip: what its Markdown files really inflate to). The import's
 * articles wait for its job in one row, written in one statement, which on the embedded
 * database holds the connection every account shares for 45-120 ms per MB (2 cores).
 */
export const MAX_IMPORT_BYTES = 8 * 1024 * 1024;
/** A JSON import: its content, escaped. */
export const IMPORT_BODY_LIMIT = 2 * MAX_IMPORT_BYTES;
/** A zip may also hold images and other files, which are skipped without being inflated. */
export const ZIP_BODY_LIMIT = 64 * 1024 * 1024;

export const ImportBody = Type.Object(
  {
    articles: Type.Optional(Type.Array(ImportItem, { maxItems: MAX_IMPORT_ITEMS })),
    files: Type.Optional(Type.Array(ImportFile, { maxItems: MAX_IMPORT_ITEMS, description: 'Markdown files of a folder' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Import = Type.Object({
  id: Type.Integer(),
  status: Type.String({ description: 'queued | running | completed | failed' }),
  total: Type.Integer(),
  processed: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer({ description: 'Articles whose title existed: replaced' }),
  failed: Type.Integer(),
  errors: Type.Array(Type.Object({ title: Type.String(), error: Type.String() })),
  createdAt: Timestamp,
  finishedAt: NullableTimestamp,
});
