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
