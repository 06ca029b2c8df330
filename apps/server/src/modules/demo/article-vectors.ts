/**
 * The demo articles' vectors, embedded by the build (cli/build-ai-data.ts) rather than by every
 * fresh start: the demo account's knowledge base is searchable from its first seconds, and those
 * seconds' CPU goes to the server and its first messages.
 */
import { chunkArticle, embeddingText } from '../knowledge-base/chunking.js';
import { seedArticles } from './knowledge-base-articles.js';

/** Written by the build, beside the compiled code; found from src/ and dist/ alike. */
export const DEMO_ARTICLE_VECTORS_FILE = new URL('../../../dist/modules/demo/article-vectors.json', import.meta.url);

/** What the knowledge base embeds for the demo articles' chunks. */
export function demoArticleTexts(): string[] {
  return seedArticles.flatMap((article) => chunkArticle(article.content).map((chunk) => embeddingText(article.title, chunk)));
}
