import { describe, expect, it } from 'vitest';
import { accentOf, textOn } from './styles.js';

describe("the widget's colours", () => {
  it("takes the inbox's colour only as a plain hex colour: nothing else reaches the style sheet", () => {
    expect(accentOf('#1F6F5C')).toBe('#1F6F5C');
    expect(accentOf('red; } .bubble { display: none')).toBe('#1f6feb');
    expect(accentOf('#12345')).toBe('#1f6feb');
    expect(accentOf(null)).toBe('#1f6feb');
  });

  it('writes on the colour in white or near-black, whichever contrasts more', () => {
    expect(textOn('#1f6feb')).toBe('#ffffff');
    expect(textOn('#1f6f5c')).toBe('#ffffff');
    expect(textOn('#000000')).toBe('#ffffff');
    expect(textOn('#ffd600')).toBe('#0f172a');
    expect(textOn('#ffffff')).toBe('#0f172a');
  });
});
