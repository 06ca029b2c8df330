import { describe, expect, it } from 'vitest';
import { detectLanguage } from './language.js';
import { readSignals } from './signals.js';

describe('sentiment and priority rules', () => {
  it.each([
    ['I was charged twice for order #12345', 'negative', 'high'],
    ['This is UNACCEPTABLE, you are a scam!!', 'angry', 'high'],
    ['THE APP IS DOWN FOR EVERYONE!!!', 'angry', 'urgent'],
    ['Still no answer after my third email about the broken tent', 'frustrated', 'high'],
    ['I will file a chargeback with my bank', 'neutral', 'urgent'],
    ['Thanks, the new jacket is great!', 'positive', 'medium'],
    ['Could you add dark mode? Would be nice', 'neutral', 'low'],
    ['Die App funktioniert nicht', 'negative', 'medium'],
    ['', 'neutral', 'medium'],
    ['🙂🙂🙂', 'neutral', 'medium'],
  ])('%s → %s, %s', (text, sentiment, priority) => {
    const signals = readSignals({ text });
    expect(signals).toMatchObject({ sentiment, priority });
    if (sentiment !== 'neutral' || priority !== 'medium') expect(signals.reasons.length).toBeGreaterThan(0);
  });

  it('raises a VIP contact one step, and says why', () => {
    const signals = readSignals({ text: 'Where is my order?', vip: true });
    expect(signals.priority).toBe('high');
    expect(signals.reasons).toContain('VIP contact');
    expect(readSignals({ text: 'Thanks a lot!', category: 'general' }).priority).toBe('none');
  });

  it('treats repeated contact as frustration', () => {
    expect(readSignals({ text: 'Where is my order?', recentContacts: 3 })).toMatchObject({ sentiment: 'frustrated', priority: 'high' });
  });
});

describe('language detection', () => {
  it.each([
    ['en', 'Hi, I need an invoice for my last order please'],
    ['fi', 'Sovellus kaatuu aina kun avaan sen'],
    ['sv', 'Jag blev debiterad två gånger'],
    ['de', 'Die App stürzt ständig ab'],
    ['fr', "J'ai été débité deux fois"],
    ['es', 'Me cobraron dos veces'],
  ])('reads %s', (language, text) => {
    expect(detectLanguage(text)).toBe(language);
  });

  it("answers 'und' when there is nothing to read", () => {
    expect(detectLanguage('🙂🙂 123 !!')).toBe('und');
    expect(detectLanguage('')).toBe('und');
  });
});
