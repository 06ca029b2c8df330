/**
 * What a customer's question asks for, so a local draft can quote the sentence that answers it
 * rather than one that is merely about the same topic. A question is cut into its parts (a
 * customer often asks two things at once); each part gets the kinds of fact that would answer
 * it (a time frame for "how long", an amount for "how much", a name for "which", steps for
 * "how do I", a policy statement for "can I") from the question words of en/fi/sv/de/fr/es, and
 * its content words, stemmed. The same fact kinds are recognised in article sentences.
 */
import { createRequire } from 'node:module';
import { toEnglishQuery } from '../../platform/ai/multilingual/english-terms.js';

export type FactKind = 'duration' | 'amount' | 'quantity' | 'name' | 'steps' | 'policy';

/** Kinds whose absence from every quoted sentence means the draft does not answer the question. */
export const MEASURABLE_KINDS: ReadonlySet<FactKind> = new Set(['duration', 'amount', 'quantity']);

export interface QuestionPart {
  text: string;
  /** The part in English words (through the support lexicon) when it is written in another language; else the text. */
  english: string;
  needs: Set<FactKind>;
  words: Set<string>;
}

/** Question words per fact kind, in the languages the customers write in (lower case). */
const NEED_CUES: Record<FactKind, RegExp> = {
  duration: new RegExp(
    [
      String.raw`\bhow (long|soon|quickly|fast)\b|^when\b|\bwhen (will|does|do|is|are|can|should|did|would)\b|\bhow many (days|hours|weeks|minutes|months|years)\b|\b(until|by) when\b|\bwhat time\b|\bopening hours\b|\bdeadline\b`,
      String.raw`\bkuinka (kauan|pian|nopeasti)|\bkauanko\b|\bmilloin\b|\bmontako (päivää|tuntia|viikkoa)|\bmihin asti\b|\bmissä ajassa\b|\bkestää\b|\behdinkö\b|\baukiolo`,
      String.raw`\bhur (länge|lång tid|snabbt|fort)\b|\bnär\b|\bhur många (dagar|timmar|veckor)\b|\bhinner\b|\bdröjer\b|\böppettider`,
      String.raw`\bwie (lange|schnell|bald)\b|\bwann\b|\bwie viele (tage|stunden|wochen)\b|\bbis wann\b|\bdauer|öffnungszeiten`,
      String.raw`\bcombien de (temps|jours|heures|semaines)\b|\bquand\b|\bdélai|\bhoraires?\b|\bà quelle heure\b`,
      String.raw`\bcuánto (tarda|tiempo|dura)|\bcuándo\b|\bcuántos (días|horas|semanas)\b|\bplazo\b|\bhorario|\btarda\b`,
    ].join('|'),
    'u',
  ),
  amount: new RegExp(
    [
      String.raw`\bhow much\b|\bcosts?\b|\bprices?\b|\bpricing\b|\bfees?\b|\bcheap(er|est)?\b|\bexpensive\b|\bdiscounts?\b|\bfree\b|\brates?\b|\bpay (for|extra)\b`,
      String.raw`\bpaljonko\b|\bhinta|\bhinnat|\bmaksaa\b|\bmaksu|\bkallis|\bhalvin|\balennu|\bilmai`,
      String.raw`\bkostar\b|\bhur mycket\b|\bpris|\bavgift|\bkostnad|\brabatt|\bgratis\b|\bbillig`,
      String.raw`\bwie viel\b|kost(en|et)\b|preis|gebühr|rabatt|\bgratis\b|günstig|\bbillig`,
      String.raw`\bcombien\b(?! de (temps|jours|heures|semaines))|\bco[uû]t|\bprix\b|\bfrais\b|\bpayant|\btarif|\bremise|\bgratuit|\bréduction`,
      String.raw`\bcuánto (cuesta|vale|es)\b|\bcuesta|\bprecio|\bcost[eo]\b|\btarifa|\bdescuento|\bgratis\b|\bgratuit`,
    ].join('|'),
    'u',
  ),
  quantity: new RegExp(
    [
      String.raw`\bhow (many|far|old|big|large|heavy)\b|\bminimum\b|\bmaximum\b|\blimit\b|\bage\b|\bat (least|most)\b`,
      String.raw`\bmontako\b|\bkuinka (monta|pitkälle|vanha)|\bikä|\bvähintään|\benintään|\braja`,
      String.raw`\bhur (många|långt|gammal)\b|\bålder|\bminst\b|\bhögst\b|\bgräns`,
      String.raw`\bwie (viele|weit|alt|groß)\b|\balter\b|\bmindest|\bhöchst|\bgrenze|\blimit`,
      String.raw`\bcombien de\b|\bjusqu'à (quel|combien)|\bâge\b|\bminimum|\bmaximum|\blimite`,
      String.raw`\bcuánt[oa]s\b|\bhasta qué\b|\bedad\b|\bmínim|\bmáxim|\blímite`,
    ].join('|'),
    'u',
  ),
  name: new RegExp(
    [
      String.raw`\bwhich\b|\bwho\b|\bwhat (kinds?|types?|apps?|methods?|options?|providers?|carriers?|cards?|services?|brands?)\b|\bpay with\b|\bdo you (accept|take|support)\b|\b(name|address|email|e-mail)\b|\bcontact\b`,
      String.raw`\bmikä\b|\bmitkä\b|\bmillä\b|\bkuka\b|\bkeneen\b|\bkenelle\b|\bosoite`,
      String.raw`\bvilken\b|\bvilka\b|\bvilket\b|\bvem\b|\bmed vad\b`,
      String.raw`\bwelche[rsmn]?\b|\bwer\b|\bwomit\b|\ban wen\b|\bakzeptiert`,
      String.raw`\bquel(le)?s?\b|\bqui\b|\baccept`,
      String.raw`\bcuál(es)?\b|\bquién\b|\baceptan\b|\bqué (apps?|aplicaciones|métodos|tarjetas|formas?)\b`,
    ].join('|'),
    'u',
  ),
  steps: new RegExp(
    [
      String.raw`\bhow (do|can|should|would) (i|we|you)\b|\bhow to\b|\bwhere (do|can|should|is|are|to)\b|\bwhat (should|do|can) (i|we) do\b|\bwhat happens\b|\bset up\b|\bsteps?\b`,
      String.raw`\bmiten\b|\bmistä\b|\bmissä\b|\bmihin\b(?! asti)|\bmitä (minun )?(teen|pitää tehdä)\b`,
      String.raw`\bhur (gör|kan|ska)\b|\bvar (hittar|kan|finns|gör)\b|\bvad (gör|ska) jag\b|\bvad händer\b`,
      String.raw`\bwie (kann|mache|geht|komme|bekomme|melde|ändere|lösche)\b|\bwo\b|\bwohin\b|\bwas (soll|muss|kann) ich\b|\bwas passiert\b`,
      String.raw`\bcomment\b|\boù\b|\bque (dois|faire)\b|\bque se passe`,
      String.raw`\bcómo\b|\bdónde\b|\bqué (hago|debo|pasa)\b`,
    ].join('|'),
    'u',
  ),
  policy: new RegExp(
    [
      String.raw`^(can|could|may|do|does|did|is|are|will|would|should|am|have|has)\b|\b(can|could|may) (i|we|you)\b|\bis it (possible|ok|allowed)\b|\bdo (i|we) (have|need)\b|\ballowed\b|\bcovered\b`,
      String.raw`^\p{L}+(ko|kö)\b|\b(voinko|saanko|onko|pitääkö|täytyykö|voiko|saako|tarvitseeko|käykö)\b`,
      String.raw`^(kan|får|måste|är|finns|blir|går|behöver|har|täcks|ingår)\b`,
      String.raw`^(kann|darf|muss|ist|gibt|geht|bekomme|brauche|braucht|habe|werde|sind|wird)\b`,
      String.raw`\best-ce que\b|\bpuis-je\b|\bpeut-on\b|\bje peux\b|^(est|peut|faut)\b`,
      String.raw`\b(puedo|se puede|hay|tengo que|es posible|pueden|podéis)\b`,
    ].join('|'),
    'u',
  ),
};

const KINDS = Object.keys(NEED_CUES) as FactKind[];

/**
 * JavaScript's `\b` knows only ASCII letters ("ehdinkö", "länge" would never end a word). In the
 * cues a `\b` opening an alternative starts a word (no letter may come before it) and any other
 * ends one (no letter may follow): one lookaround each, where testing both sides at every `\b`
 * made reading a heading take a millisecond.
 */
const unicodeBoundaries = (pattern: RegExp) =>
  new RegExp(
    pattern.source.replace(/(\||\((?:\?:)?)?\\b/g, (_, opening: string | undefined, at: number) =>
      opening !== undefined || at === 0 ? `${opening ?? ''}${String.raw`(?<![\p{L}\p{N}])`}` : String.raw`(?![\p{L}\p{N}])`,
    ),
    'u',
  );
const CUES = Object.fromEntries(KINDS.map((kind) => [kind, unicodeBoundaries(NEED_CUES[kind])])) as Record<FactKind, RegExp>;

/** A part that opens with a question word asks something even without a question mark or a known cue. */
const QUESTION_START = unicodeBoundaries(
  /^(what|how|which|who|where|when|why|mikä|mitä|mitkä|miten|kuinka|missä|mistä|milloin|miksi|vad|hur|vilken|vilka|var|när|varför|was|wie|welche|wo|wann|warum|que|quoi|quel|quelle|comment|où|quand|pourquoi|qué|cómo|cuál|dónde|cuándo|por qué)\b/,
);

export function needsOf(text: string): Set<FactKind> {
  const lower = text.toLowerCase().replace(/^[\s¿¡"'(]+/u, '');
  return new Set(KINDS.filter((kind) => CUES[kind].test(lower)));
}

/** Where a customer's question turns to another thing asked: a new sentence, or "..., and can you". */
const PART_BREAK =
  /(?<=[?!.])\s+|[,;]\s*(?:and|but|also|or|och|men|ja|entä|sekä|und|aber|oder|et|mais|ou|y|pero|o)\s+|(?<!\s)\s+(?:and|och|ja|und|et|y)\s+(?=(?:how|what|when|where|which|who|is|are|can|could|do|does|will|if|hur|vad|när|var|kan|miten|mitä|milloin|mistä|voinko|saanko|wie|was|wann|wo|kann|comment|quel|quand|combien|cómo|qué|cuándo|cuánto|dónde)\b)/iu;

/**
 * How much of a message is read for what it asks, and how many of its parts are answered: a
 * customer asks a few things at once, and a long message (a pasted log, a thread) must not cost
 * a draft thousands of embeddings.
 */
export const MAX_QUESTION_CHARS = 1_000;
export const MAX_PARTS = 5;

/**
 * The parts of a question that ask something (the first `MAX_PARTS`); the rest (context such as
 * "I bought a tent") adds words only. A question in another language (`language`, as
 * `toEnglishQuery` read it) is read in English words through the support lexicon (articles are
 * English): its question words name the fact kinds in either language.
 */
export function questionParts(question: string, language: string): QuestionPart[] {
  const partOf = (text: string): QuestionPart => {
    const english = language === 'en' || language === 'und' ? text : toEnglishQuery(text, language).text;
    return { text, english, needs: new Set([...needsOf(text), ...needsOf(english)]), words: contentWords(english) };
  };
  const read = question.slice(0, MAX_QUESTION_CHARS);
  const pieces = read
    .split(PART_BREAK)
    .map((piece) => piece?.trim())
    .filter((piece): piece is string => !!piece && /\p{L}/u.test(piece))
    .map(partOf);
  const asking = pieces.filter(
    (part) => part.needs.size > 0 || part.text.endsWith('?') || QUESTION_START.test(part.text.toLowerCase().replace(/^[\s¿¡]+/u, '')),
  );
  const context = new Set(pieces.filter((part) => !asking.includes(part)).flatMap((part) => [...part.words]));
  if (asking.length === 0) return [partOf(read)];
  // Context words belong to every part: "the boots are too small. How soon will I see the money?"
  return asking.slice(0, MAX_PARTS).map((part) => ({ ...part, words: new Set([...part.words, ...context]) }));
}

const DURATION =
  /\b\d+(?:[.,]\d+)?(?:\s*(?:[–-]|to)\s*\d+)?\s*(?:business |working |calendar )?(?:minutes?|mins?|hours?|hrs?|h|days?|weeks?|months?|years?)\b|\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s*[–-]\s*\d{1,2}\b(?!\s*(?:%|EUR|€|kg|km))|\b(?:same|next) (?:business |working )?day\b|\bimmediately\b|\bright away\b|\bovernight\b|\b(?:daily|weekdays?|weekends?|mon(?:day)?|tue(?:sday)?|wed(?:nesday)?|thu(?:rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)\b|\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\b/i;
const AMOUNT =
  /(?:€|\$|£)\s?\d|\b\d+(?:[.,]\d+)*\s*(?:EUR|USD|GBP|SEK|NOK|DKK|CHF|euros?|dollars?|kr|€|%)(?!\w)|\bfree(?: of charge)?\b|\bno (?:fee|charge|cost)s?\b|\bfull price\b|\bhalf price\b|\bprorated\b/i;
const QUANTITY = /\b\d+(?:[.,]\d+)*\s*(?:%|km|kg|g|m|cm|mb|gb|tb|years? old|devices?|items?|users?|people|persons?|seats?|bikes?|times)?\b/i;
const STEPS =
  /\S\s>\s\S|^(?:\d+[.)]\s+)?(?:open|go|tap|click|choose|select|press|enter|sign in|log in|log out|visit|start|use|contact|email|call|send|fill|download|install|find|check|follow|confirm|add|remove|turn|enable|disable|type|scan|reply|include|attach|return)\b|\b(?:under|in|on) the (?:\p{Lu}[\w-]* ){1,4}(?:page|tab|menu|screen|button|section)\b|\bbutton\b|\bclick\b|\btap\b/iu;
const POLICY =
  /\b(?:can|cannot|can't|could|may|must|need|needs|do not|don't|does not|doesn't|not|never|only|always|free|unless|if|as long as|allowed|required|includes?|included|covers?|covered|possible|impossible)\b/i;
const CONTACT = /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b|\b(?:https?:\/\/)?[\w-]+(?:\.[\w-]+)*\.(?:com|fi|se|de|fr|es|eu|org|net|io)(?:\/[\w/.-]*)?\b|\+\d[\d\s]{6,}/i;

/** Proper names and labels: capitalised words past the first one ("Klarna", "Cancel order"), addresses. */
function namesIn(text: string): number {
  // A capital after a sentence's end starts a sentence; it names nothing.
  const words = text.replace(/^(?:- |\d+[.)]\s+)/, '').split(/\s+/);
  const named = words.filter(
    (word, i) => i > 0 && !/[.!?:]$/.test(words[i - 1]!) && /^[\p{Lu}][\p{L}\d-]+/u.test(word) && !/^(?:I|I'm|I've|EUR|USD)$/.test(word),
  );
  return named.length + (CONTACT.test(text) ? 2 : 0);
}

/** The kinds of fact a sentence of an article states. */
export function factKindsOf(text: string): Set<FactKind> {
  const kinds = new Set<FactKind>();
  if (DURATION.test(text)) kinds.add('duration');
  if (AMOUNT.test(text)) kinds.add('amount');
  if (QUANTITY.test(text) && /\d/.test(text)) kinds.add('quantity');
  if (namesIn(text) > 0) kinds.add('name');
  if (STEPS.test(text) || CONTACT.test(text)) kinds.add('steps');
  if (POLICY.test(text)) kinds.add('policy');
  return kinds;
}

type Stemmer = { stem(word: string): string };
const snowball = createRequire(import.meta.url)('snowball-stemmers') as { newStemmer(language: string): Stemmer };
const english = snowball.newStemmer('english');

const STOP_WORDS = new Set(
  'a an and are as at be been but by can could did do does for from had has have hello hi how i if in into is it its just me my no not of on or our please so than that the their them then there these they this to too us was we were what when where which who why will with would you your yours thanks thank help also get got any some need want much many very really there here about after before'.split(
    ' ',
  ),
);

/** Irregular past forms of verbs common in support questions, which no stemmer reduces. */
const IRREGULAR = new Map(
  Object.entries({
    paid: 'pay',
    sent: 'send',
    bought: 'buy',
    got: 'get',
    gotten: 'get',
    took: 'take',
    taken: 'take',
    gave: 'give',
    given: 'give',
    made: 'make',
    kept: 'keep',
    lost: 'lose',
    held: 'hold',
    brought: 'bring',
    left: 'leave',
    broke: 'break',
    broken: 'break',
    stole: 'steal',
    stolen: 'steal',
    forgot: 'forget',
    forgotten: 'forget',
    chose: 'choose',
    chosen: 'choose',
    came: 'come',
    went: 'go',
    gone: 'go',
    wrote: 'write',
    written: 'write',
    found: 'find',
    told: 'tell',
    sold: 'sell',
    ran: 'run',
    rode: 'ride',
    ridden: 'ride',
  }),
);

/** Stems already computed: every draft stems the same article words again, and the stemmer is most of its work. */
const stems = new Map<string, string>();
const MAX_REMEMBERED_STEMS = 20_000;

function stemOf(word: string): string {
  let stem = stems.get(word);
  if (stem === undefined) {
    if (stems.size >= MAX_REMEMBERED_STEMS) stems.clear();
    stem = english.stem(IRREGULAR.get(word) ?? word);
    stems.set(word, stem);
  }
  return stem;
}

/** Content words, stemmed (English Snowball) so "charged" meets "charges". */
export function contentWords(text: string): Set<string> {
  return new Set(
    (text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'-]*[\p{L}\p{N}]|\p{N}/gu) ?? [])
      .filter((word) => !STOP_WORDS.has(word) && (word.length >= 3 || /\d/.test(word)))
      .map(stemOf),
  );
}
