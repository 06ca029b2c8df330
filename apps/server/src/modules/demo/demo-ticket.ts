/** Turns a template into a concrete customer message: order number, amount, product, sender. */
import { customerNames } from './customer-names.js';
import { productNames, type TicketTemplate } from './ticket-templates.js';

export type Random = () => number;

export function pick<T>(items: readonly T[], random: Random): T {
  return items[Math.floor(random() * items.length)]!;
}

export function fillTemplate(template: TicketTemplate, random: Random) {
  const content = template.content
    .replaceAll('{order}', String(40_000 + Math.floor(random() * 20_000)))
    .replaceAll('{amount}', (19 + Math.floor(random() * 400) + 0.9).toFixed(2))
    .replaceAll('{product}', pick(productNames, random));
  return { ...template, content, followUps: template.followUps?.map((turn) => ({ ...turn, content: fill(turn.content, content) })) };
}

/** Follow-ups mention the same order number as the first message. */
function fill(text: string, firstMessage: string) {
  const order = /#?(\d{5})/.exec(firstMessage)?.[1] ?? '48213';
  return text.replaceAll('{order}', order).replaceAll('{amount}', '89.90').replaceAll('{product}', productNames[0]!);
}

/** A customer of the template's language; the one who signs the message, when it is signed. */
export function customerFor(template: TicketTemplate, random: Random) {
  const signed = Object.values(customerNames)
    .flat()
    .find((name) => template.content.includes(name));
  const name = signed ?? pick(customerNames[template.language], random);
  const local = name
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '.')
    .replace(/^\.|\.$/g, '');
  return { name, email: `${local}@example.com` };
}
