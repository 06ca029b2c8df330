/**
 * For `eval:kb --given-article`: the local draft written from the article that answers the
 * question (all its passages, as retrieval would hand them over), so the choice of sentences is
 * measured apart from retrieval.
 */
import { chunkArticle, embeddingText } from '../modules/knowledge-base/chunking.js';
import { cosineSimilarity, createEmbedder } from '../platform/ai/embeddings.js';
import { detectLanguage } from '../platform/ai/language.js';
import { composeLocalReply, LOCAL_SIMILARITY_THRESHOLD } from '../modules/ai/draft.service.js';

let embedder: ReturnType<typeof createEmbedder> | undefined;

export async function draftFromGivenArticle(question: string, article: { articleId: number; title: string; content: string }) {
  embedder ??= createEmbedder();
  const chunks = chunkArticle(article.content);
  const [asked, ...vectors] = await embedder.embed([question, ...chunks.map((chunk) => embeddingText(article.title, chunk))]);
  // Passages best first, as search returns them.
  const passages = chunks.map((chunk, i) => ({ ...chunk, similarity: cosineSimilarity(asked!, vectors[i]!) })).sort((a, b) => b.similarity - a.similarity);
  const similarity = Math.max(0, passages[0]?.similarity ?? 0);
  return composeLocalReply(embedder, {
    accountName: 'Evaluation',
    customerName: null,
    category: null,
    sentiment: null,
    language: detectLanguage(question),
    classificationConfidence: null,
    question,
    threshold: LOCAL_SIMILARITY_THRESHOLD,
    articles: [{ articleId: article.articleId, title: article.title, similarity, passages }],
    bestMatch: { title: article.title, similarity },
  });
}

/** Ends the encoder's thread, so the evaluation can exit. */
export async function closeGivenArticle() {
  await embedder?.close();
}
