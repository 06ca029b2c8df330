import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import { blankCategory, placeFailure, toBody, toEditable } from './taxonomy';

const categories = toEditable([
  { name: 'billing', description: 'Charges', teamId: 3, examples: ['Charged twice', 'Invoice please'] },
  { name: 'shipping', description: '', teamId: null, examples: ['Where is my parcel?'] },
]);

describe('the taxonomy form', () => {
  it('sends examples one per line, trimmed, without blank lines', () => {
    const [billing, shipping] = categories;
    const edited = [{ ...billing!, name: ' billing ', examples: 'Charged twice\n\n  Invoice please  \n' }, shipping!];
    expect(toBody(edited)).toEqual([
      { name: 'billing', description: 'Charges', teamId: 3, examples: ['Charged twice', 'Invoice please'] },
      { name: 'shipping', description: '', teamId: null, examples: ['Where is my parcel?'] },
    ]);
  });

  it("puts the server's validation message on the category and field it names", () => {
    const failure = new ApiError(400, 'validation_error', 'body.categories.1.name must be letters, digits, spaces, `-` and `_`, not only spaces', 'r', [
      { field: 'body.categories.1.name', message: 'must be letters, digits, spaces, `-` and `_`, not only spaces' },
    ]);
    const placed = placeFailure(failure, categories);
    expect(placed.general).toBeUndefined();
    expect(placed.byCategory.get(categories[1]!.key)?.name).toBe('must be letters, digits, spaces, `-` and `_`, not only spaces');
  });

  it('numbers the example a message is about', () => {
    const failure = new ApiError(400, 'validation_error', 'x', 'r', [
      { field: 'body.categories.0.examples.1', message: 'must NOT have more than 2000 characters' },
    ]);
    expect(placeFailure(failure, categories).byCategory.get(categories[0]!.key)?.examples).toBe('Example 2: must NOT have more than 2000 characters');
  });

  it('marks both names of a duplicate category, and keeps other refusals general', () => {
    const twice = [...categories, { ...blankCategory(), name: 'Billing' }];
    const duplicate = placeFailure(new ApiError(422, 'duplicate_category', 'Category "billing" appears twice'), twice);
    expect([...duplicate.byCategory.keys()]).toEqual([twice[0]!.key, twice[2]!.key]);
    expect(duplicate.general).toBeUndefined();

    const tooFew = placeFailure(new ApiError(422, 'not_enough_examples', 'At least two categories need examples to learn from'), categories);
    expect(tooFew.byCategory.size).toBe(0);
    expect(tooFew.general).toBe('At least two categories need examples to learn from');

    const minItems = placeFailure(
      new ApiError(400, 'validation_error', 'x', 'r', [{ field: 'body.categories', message: 'must NOT have fewer than 2 items' }]),
      categories,
    );
    expect(minItems.general).toBe('Categories: must NOT have fewer than 2 items');
  });
});
