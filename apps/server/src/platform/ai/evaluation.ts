/**
 * Scores a category model on labelled texts: accuracy, macro-F1, expected calibration error
 * (how far confidence is from the share of right answers, in ten bins) and accuracy per language.
 */
export interface Scored {
  label: string;
  predicted: string;
  confidence: number;
  /** ISO 639-1, when the labelled set says. */
  language?: string | undefined;
}

export interface Labelled {
  text: string;
  label: string;
  language?: string | undefined;
}

export interface Evaluation {
  count: number;
  accuracy: number;
  macroF1: number;
  /** Expected calibration error over ten confidence bins (0 is perfectly calibrated). */
  calibrationError: number;
  perLabel: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  /** Accuracy and count by language, for the texts whose language is known. */
  perLanguage: Record<string, { accuracy: number; count: number }>;
}

export function evaluate(scored: Scored[]): Evaluation {
  const labels = [...new Set(scored.flatMap((s) => [s.label, s.predicted]))].sort();
  const perLabel: Evaluation['perLabel'] = {};
  for (const label of labels) {
    const tp = scored.filter((s) => s.predicted === label && s.label === label).length;
    const fp = scored.filter((s) => s.predicted === label && s.label !== label).length;
    const fn = scored.filter((s) => s.predicted !== label && s.label === label).length;
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    perLabel[label] = { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall), support: tp + fn };
  }
  const present = labels.filter((label) => perLabel[label]!.support > 0);
  let calibrationError = 0;
  for (let bin = 0; bin < 10; bin++) {
    const inBin = scored.filter((s) => Math.min(Math.floor(s.confidence * 10), 9) === bin);
    if (inBin.length === 0) continue;
    const accuracy = inBin.filter((s) => s.predicted === s.label).length / inBin.length;
    const confidence = inBin.reduce((sum, s) => sum + s.confidence, 0) / inBin.length;
    calibrationError += (inBin.length / scored.length) * Math.abs(accuracy - confidence);
  }
  return {
    count: scored.length,
    accuracy: scored.filter((s) => s.predicted === s.label).length / (scored.length || 1),
    macroF1: present.reduce((sum, label) => sum + perLabel[label]!.f1, 0) / (present.length || 1),
    calibrationError,
    perLabel,
    perLanguage: accuracyByLanguage(scored),
  };
}

function accuracyByLanguage(scored: Scored[]): Evaluation['perLanguage'] {
  const tally = new Map<string, { right: number; count: number }>();
  for (const s of scored) {
    if (!s.language) continue;
    const t = tally.get(s.language) ?? { right: 0, count: 0 };
    t.count += 1;
    if (s.predicted === s.label) t.right += 1;
    tally.set(s.language, t);
  }
  return Object.fromEntries([...tally].map(([language, t]) => [language, { accuracy: t.right / t.count, count: t.count }]));
}

/** Labelled texts from JSONL (`{"text","label","language"?}` a line) or CSV (`text,label[,language]` with a header). */
export function parseLabelled(content: string, fileName: string): Labelled[] {
  if (fileName.endsWith('.jsonl')) {
    return content
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as Labelled);
  }
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < content.length; i++) {
    const c = content[i]!;
    if (quoted) {
      if (c === '"' && content[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && content[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...data] = rows.filter((r) => r.some((cell) => cell.trim()));
  const textAt = header!.indexOf('text');
  const labelAt = header!.indexOf('label');
  const languageAt = header!.indexOf('language');
  if (textAt < 0 || labelAt < 0) throw new Error(`${fileName}: the CSV needs "text" and "label" columns`);
  return data.map((r) => ({ text: r[textAt] ?? '', label: r[labelAt] ?? '', ...(languageAt >= 0 ? { language: r[languageAt] } : {}) }));
}
