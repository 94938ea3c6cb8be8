/**
 * Tiny DOM builders. Text always goes in through text nodes, never as markup:
 * model ids, file names and messages come from files and endpoints.
 */

/** Attributes to set; `true` sets an empty attribute, `false` and `undefined` leave it out. */
export type Attrs = Readonly<Record<string, string | number | boolean | undefined>>;

/** A child: a node, text, or nothing (skipped). */
export type Child = Node | string | false | null | undefined;

const SVG_NS = 'http://www.w3.org/2000/svg';

function fill<E extends Element>(element: E, attrs: Attrs, children: readonly Child[]): E {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === false || child === null || child === undefined) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** An HTML element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  return fill(document.createElement(tag), attrs, children);
}

/** An SVG element with attributes (presentation attributes such as x, width, fill are not styles) and children. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

/**
 * A sentence in which the given names (model ids) stay whole: each one goes
 * in a span that does not wrap, so that a line never breaks after the hyphen
 * of "gpt-4o". The rest of the sentence wraps as usual.
 */
export function keepNamesWhole(text: string, names: readonly string[]): Child[] {
  const distinct = [...new Set(names.filter((n) => n.length > 0))].sort((a, b) => b.length - a.length);
  if (distinct.length === 0) return [text];
  const pattern = new RegExp(`(${distinct.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`);
  // split with one capture group: names sit at the odd indices.
  return text.split(pattern).map((part, i) => (i % 2 === 1 ? h('span', { class: 'name' }, part) : part));
}
