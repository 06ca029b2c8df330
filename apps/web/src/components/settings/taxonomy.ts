/**
 * The AI taxonomy as the form edits it (examples as one phrase per line) and back as the PUT
 * body; and the server's refusal, placed on the category and field it concerns.
 */
import type { ApiError } from '../../api/client';
import type { Taxonomy, TaxonomyCategoryInput } from './types';

export interface EditableCategory {
  /** Stable across renames, for Vue's keys and the accordion. */
  key: number;
  name: string;
  description: string;
  teamId: number | null;
  /** One example phrase per line. */
  examples: string;
}

export type CategoryField = 'name' | 'description' | 'teamId' | 'examples';

let nextKey = 1;

export function toEditable(categories: Taxonomy['categories']): EditableCategory[] {
  return categories.map((category) => ({
    key: nextKey++,
    name: category.name,
    description: category.description,
    teamId: category.teamId,
    examples: category.examples.join('\n'),
  }));
}

export const blankCategory = (): EditableCategory => ({ key: nextKey++, name: '', description: '', teamId: null, examples: '' });

export const exampleLines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

export function toBody(categories: EditableCategory[]): TaxonomyCategoryInput[] {
  return categories.map((category) => ({
    name: category.name.trim(),
    description: category.description.trim(),
    teamId: category.teamId,
    examples: exampleLines(category.examples),
  }));
}

/** Where the server's answer belongs: `{key → {field → message}}`, and what fits no field. */
export function placeFailure(failure: ApiError, categories: EditableCategory[]) {
  const byCategory = new Map<number, Partial<Record<CategoryField, string>>>();
  const put = (index: number, field: CategoryField, message: string) => {
    const category = categories[index];
    if (!category) return false;
    byCategory.set(category.key, { ...byCategory.get(category.key), [field]: message });
    return true;
  };
  let general: string | undefined;

  for (const detail of failure.details ?? []) {
    const match = /^body\.categories\.(\d+)\.(name|description|teamId|examples)(?:\.(\d+))?/.exec(detail.field ?? '');
    const message = detail.message ?? failure.message;
    if (match) {
      const field = match[2] as CategoryField;
      const line = match[3] === undefined ? '' : `Example ${Number(match[3]) + 1}: `;
      if (put(Number(match[1]), field, line + message)) continue;
    }
    general ??= detail.field === 'body.categories' ? `Categories: ${message}` : message;
  }
  if (failure.code === 'duplicate_category') {
    const duplicate = /"(.*)"/.exec(failure.message)?.[1]?.toLowerCase();
    categories.forEach((category, index) => {
      if (category.name.trim().toLowerCase() === duplicate) put(index, 'name', failure.message);
    });
  }
  if (byCategory.size === 0) general ??= failure.message;
  return { byCategory, general };
}
