/** A few lines of DOM building: the widget is small enough not to need a framework. */
type Attribute = string | number | boolean | null | undefined;
type Child = Node | string | null | undefined | false;

/** An element with attributes (`true` sets an empty one, `false`/null leaves it out), listeners (`on…`) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, Attribute | ((event: Event) => void)> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false && value != null) element.setAttribute(name, String(value));
  }
  element.append(...children.filter((child): child is Node | string => child !== null && child !== undefined && child !== false));
  return element;
}

/** An icon from the widget's own constant SVG markup (never from data). */
export function icon(svg: string): HTMLSpanElement {
  const span = h('span', { class: 'icon', 'aria-hidden': 'true' });
  span.innerHTML = svg;
  return span;
}

const LINK = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/** Text as text nodes, its web addresses as links that open in a new tab: nothing in it is markup. */
export function linkified(text: string): Node[] {
  const nodes: Node[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const start = match.index ?? 0;
    if (start > last) nodes.push(document.createTextNode(text.slice(last, start)));
    nodes.push(h('a', { href: match[0], target: '_blank', rel: 'noopener noreferrer nofollow' }, match[0]));
    last = start + match[0].length;
  }
  if (last < text.length) nodes.push(document.createTextNode(text.slice(last)));
  return nodes;
}
