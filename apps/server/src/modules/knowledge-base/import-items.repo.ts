/** The articles an import has still to write (knowledge_base_import_items), one row each. */
import { sql } from 'drizzle-orm';
import { queryRows, type Tx } from '../../db/client.js';
import { knowledgeBaseImportItems } from '../../db/schema.js';
import type { ArticleInput } from './articles.repo.js';

export interface ImportItem {
  title: string;
  content: string;
  category: string | null;
  status: 'draft' | 'published';
}

/**
 * All of an import's articles in one statement of four array parameters (5,000 rows as a
 * multi-row VALUES would cost the query builder and the parser several times as long).
 */
export async function insertImportItems(tx: Tx, accountId: number, importId: number, items: ArticleInput[]) {
  const column = <T>(pick: (item: ArticleInput) => T) => sql.param(items.map(pick));
  await tx.execute(sql`
    insert into ${knowledgeBaseImportItems} (account_id, import_id, position, title, content, category, status)
    select ${accountId}, ${importId}, (item.n - 1)::integer, item.title, item.content, item.category, item.status::article_status
    from unnest(${column((item) => item.title.trim())}::text[], ${column((item) => item.content)}::text[],
                ${column((item) => item.category ?? null)}::text[], ${column((item) => item.status ?? 'published')}::text[])
         with ordinality as item(title, content, category, status, n)`);
}

/** Takes the import's next article off its list, in the caller's transaction (which writes it). */
export async function takeImportItem(tx: Tx, accountId: number, importId: number): Promise<ImportItem | undefined> {
  const [item] = await queryRows<ImportItem>(
    tx,
    sql`delete from ${knowledgeBaseImportItems}
        where (account_id, import_id, position) = (
          select account_id, import_id, position from ${knowledgeBaseImportItems}
          where account_id = ${accountId} and import_id = ${importId} order by position limit 1)
        returning title, content, category, status`,
  );
  return item;
}
