/**
 * The editor's form against the article as stored: whether anything changed, sending it (the
 * whole article when new, else only what changed), and the message for each field. The editor's
 * own checks come first, else the server's (a title that is taken, 409 article_exists, shows by
 * the title); typing in a field clears its message.
 */
import { computed, reactive, ref, watch } from 'vue';
import { api, unwrap, type ApiError, type Article } from '../../api/client';
import { CATEGORY_PATTERN, type ArticleStatus } from './format';

export type ArticleDraft = ReturnType<typeof useArticleDraft>;

export function useArticleDraft() {
  const original = ref<Article | null>(null);
  const form = reactive({ title: '', category: '', status: 'published' as ArticleStatus, content: '' });
  /** The server's refusal of the last save. */
  const failure = ref<ApiError | null>(null);
  const local = reactive<{ title?: string; content?: string; category?: string }>({});

  function reset(article: Article | null) {
    original.value = article;
    form.title = article?.title ?? '';
    form.category = article?.category ?? '';
    form.status = article?.status === 'draft' ? 'draft' : 'published';
    form.content = article?.content ?? '';
    failure.value = null;
    local.title = local.content = local.category = undefined;
  }

  /** The whole article, as a new one is created. */
  const fields = computed(() => ({ title: form.title.trim(), content: form.content, category: form.category.trim() || null, status: form.status }));
  /** What would change, as the PATCH body (or the whole article for a new one). */
  const changes = computed(() => {
    const before = original.value;
    if (!before) return fields.value;
    const { title, content, category, status } = fields.value;
    const patch: { title?: string; content?: string; category?: string | null; status?: ArticleStatus } = {};
    if (title !== before.title) patch.title = title;
    if (content !== before.content) patch.content = content;
    if (category !== (before.category ?? null)) patch.category = category;
    if (status !== before.status) patch.status = status;
    return patch;
  });
  const changed = computed(() => {
    if (original.value) return Object.keys(changes.value).length > 0;
    return Boolean(form.title.trim() || form.content.trim() || form.category.trim());
  });

  const serverField = (field: string) => failure.value?.fieldMessage(field);
  const titleError = computed(() => local.title ?? (failure.value?.code === 'article_exists' ? failure.value.message : serverField('title')));
  const contentError = computed(() => local.content ?? serverField('content'));
  const categoryError = computed(() => local.category ?? serverField('category'));
  const statusError = computed(() => serverField('status'));
  /** A failure not shown next to a field. */
  const generalError = computed(() =>
    failure.value && !titleError.value && !contentError.value && !categoryError.value && !statusError.value ? failure.value : null,
  );

  watch(
    () => form.title,
    () => {
      local.title = undefined;
      if (failure.value && (failure.value.code === 'article_exists' || serverField('title'))) failure.value = null;
    },
  );
  watch(
    () => form.content,
    () => {
      local.content = undefined;
      if (serverField('content')) failure.value = null;
    },
  );
  watch(
    () => form.category,
    () => {
      local.category = undefined;
      if (serverField('category')) failure.value = null;
    },
  );

  /** The editor's own checks, before asking the server; false when a field has a message. */
  function checkLocally() {
    local.title = form.title.trim() ? undefined : 'Give the article a title.';
    if (form.title.trim().length > 200) local.title = 'A title has at most 200 characters.';
    local.content = form.content.trim() ? undefined : 'Write the content of the article.';
    const category = form.category.trim();
    local.category = category.length > 50 || !CATEGORY_PATTERN.test(category) ? 'Use letters, numbers, spaces, - and _ only, up to 50 characters.' : undefined;
    return !local.title && !local.content && !local.category;
  }

  /** Creates the article, or sends what changed; the answer is the article as now stored. */
  async function send() {
    const before = original.value;
    const { article } = before
      ? await unwrap(api.PATCH('/api/knowledge-base/articles/{id}', { params: { path: { id: before.id } }, body: changes.value }))
      : await unwrap(api.POST('/api/knowledge-base/articles', { body: fields.value }));
    original.value = article;
    return article;
  }

  return { original, form, failure, reset, changed, titleError, contentError, categoryError, statusError, generalError, checkLocally, send };
}
