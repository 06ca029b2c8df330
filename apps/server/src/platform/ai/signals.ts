/**
 * Sentiment and priority of a customer message from well-founded rules, each firing rule
 * named in the reasoning so an agent can check it: outages and legal or payment-dispute
 * threats are urgent; money taken wrongly, repeated contact and anger are high; VIP contacts
 * go up one step. Word lists cover the languages of the demo (en, fi, sv, de, fr, es).
 */
export type Sentiment = 'positive' | 'neutral' | 'negative' | 'frustrated' | 'angry';
export type Priority = 'urgent' | 'high' | 'medium' | 'low' | 'none';

interface Rule {
  name: string;
  pattern: RegExp;
}

const rule = (name: string, words: string[]): Rule => ({ name, pattern: new RegExp(`(${words.join('|')})`, 'iu') });

const ANGRY = rule('hostile language', [
  'unacceptable',
  'ridiculous',
  'scam',
  'fraud',
  'worst',
  'pathetic',
  'disgusting',
  'useless',
  'furious',
  'incompetent',
  'wtf',
  'inakzeptabel',
  'unverschämt',
  'betrug',
  'lächerlich',
  'inadmissible',
  'arnaque',
  'honteux',
  'inaceptable',
  'estafa',
  'vergonzoso',
  'huijaus',
  'järkyttävä',
  'oacceptabelt',
  'bedrägeri',
  'skandal',
]);
const FRUSTRATED = rule('repeated or unanswered contact', [
  'still',
  'again',
  'third time',
  'second time',
  'nobody',
  'no one',
  'no answer',
  'no reply',
  'weeks',
  'days now',
  'keep(s)? (happening|crashing)',
  'already (asked|wrote|contacted)',
  'immer noch',
  'schon wieder',
  'keine antwort',
  'toujours pas',
  'encore',
  'aucune réponse',
  'todavía',
  'otra vez',
  'sin respuesta',
  'vieläkään',
  'taas',
  'ei vastausta',
  'fortfarande',
  'igen',
  'inget svar',
]);
const NEGATIVE = rule('a problem reported', [
  'not work',
  "doesn't work",
  "don't work",
  'broken',
  'error',
  'crash',
  'wrong',
  'missing',
  'damaged',
  'lost',
  'late',
  'never arrived',
  'charged twice',
  'problem',
  'issue',
  'fail',
  'cannot',
  "can't",
  'unable',
  'funktioniert nicht',
  'kaputt',
  'fehler',
  'ne marche pas',
  'cassé',
  'erreur',
  'no funciona',
  'roto',
  'error',
  'ei toimi',
  'rikki',
  'virhe',
  'fungerar inte',
  'trasig',
  'fel',
]);
const POSITIVE = rule('thanks or praise', [
  'thank',
  'thanks',
  'great',
  'love',
  'awesome',
  'excellent',
  'appreciate',
  'perfect',
  'danke',
  'super',
  'merci',
  'génial',
  'gracias',
  'genial',
  'kiitos',
  'mahtava',
  'tack',
  'toppen',
]);

const OUTAGE = rule('an outage', ['down', 'outage', 'not loading', 'cannot access', "can't access", 'offline', 'e-sync-503', '503', 'everyone', 'all users']);
const LEGAL = rule('a legal or dispute threat', [
  'lawyer',
  'attorney',
  'legal action',
  'sue',
  'court',
  'chargeback',
  'dispute',
  'consumer protection',
  'gdpr complaint',
  'ombudsman',
  'anwalt',
  'rückbuchung',
  'avocat',
  'litige',
  'abogado',
  'denuncia',
  'asianajaja',
  'kuluttajariita',
  'advokat',
  'anmäla',
]);
const MONEY = rule('money taken wrongly', [
  'charged twice',
  'double charge',
  'duplicate charge',
  'billed twice',
  'overcharged',
  'refund',
  'money back',
  'zweimal',
  'deux fois',
  'dos veces',
  'kahdesti',
  'två gånger',
]);
const QUESTION_ONLY = rule('a question or idea, nothing broken', [
  'feature',
  'suggest',
  'would be nice',
  'could you add',
  'idea',
  'wondering',
  'how do i',
  'is it possible',
]);

export interface SignalInput {
  text: string;
  category?: string | undefined;
  /** The contact is marked VIP (attributes.vip) or the conversation carries the `vip` label. */
  vip?: boolean;
  /** Earlier conversations of the same contact in the last 7 days. */
  recentContacts?: number;
}

export interface Signals {
  sentiment: Sentiment;
  priority: Priority;
  reasons: string[];
}

const PRIORITIES: Priority[] = ['none', 'low', 'medium', 'high', 'urgent'];

export function readSignals({ text, category, vip = false, recentContacts = 0 }: SignalInput): Signals {
  const reasons: string[] = [];
  const letters = text.replace(/[^\p{L}]/gu, '');
  const shouting = letters.length >= 12 && letters.replace(/[^\p{Lu}]/gu, '').length / letters.length > 0.7;
  const exclaiming = /!{2,}/.test(text);

  let sentiment: Sentiment = 'neutral';
  if (ANGRY.pattern.test(text) || (shouting && exclaiming)) {
    sentiment = 'angry';
    reasons.push(shouting ? 'writes in capitals' : `uses ${ANGRY.name}`);
  } else if (FRUSTRATED.pattern.test(text) || recentContacts >= 2 || shouting) {
    sentiment = 'frustrated';
    reasons.push(recentContacts >= 2 ? `${recentContacts} other conversations this week` : `mentions ${FRUSTRATED.name}`);
  } else if (NEGATIVE.pattern.test(text)) {
    sentiment = 'negative';
    reasons.push(`reports ${NEGATIVE.name}`);
  } else if (POSITIVE.pattern.test(text)) {
    sentiment = 'positive';
    reasons.push(`says ${POSITIVE.name}`);
  }

  let priority: Priority = 'medium';
  if (OUTAGE.pattern.test(text) && category !== 'feature_request') {
    priority = 'urgent';
    reasons.push(`describes ${OUTAGE.name}`);
  } else if (LEGAL.pattern.test(text)) {
    priority = 'urgent';
    reasons.push(`mentions ${LEGAL.name}`);
  } else if (MONEY.pattern.test(text) || sentiment === 'angry' || sentiment === 'frustrated') {
    priority = 'high';
    if (MONEY.pattern.test(text)) reasons.push(`concerns ${MONEY.name}`);
  } else if (category === 'feature_request' || category === 'general' || QUESTION_ONLY.pattern.test(text)) {
    priority = sentiment === 'positive' && category === 'general' ? 'none' : 'low';
    reasons.push(QUESTION_ONLY.pattern.test(text) ? QUESTION_ONLY.name : `a ${category?.replace('_', ' ')} message`);
  }
  if (vip && priority !== 'urgent') {
    priority = PRIORITIES[PRIORITIES.indexOf(priority) + 1]!;
    reasons.push('VIP contact');
  }
  return { sentiment, priority, reasons };
}
