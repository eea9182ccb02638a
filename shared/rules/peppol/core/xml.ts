import { documentOrder, elementsNamed, normalizeSpace, type XmlTreeElement } from '../../../xml/xml-tree';

/**
 * Small readers of the XML tree for the PEPPOL syntax rules, with the meaning XPath gives the official tests:
 * a child step matches by namespace and local name, `normalize-space` collapses XML white space only, and a
 * general comparison (`a = 'x'`) holds when any of the nodes has that exact string value.
 */

export { UBL_NS as UBL, CII_NS as CII } from '../../../xml/namespaces';

/** One child step of a path: namespace URI and local name. */
export type Step = readonly [namespace: string, localName: string];

export function isElement(node: XmlTreeElement, [namespace, localName]: Step): boolean {
  return node.localName === localName && node.namespaceURI === namespace;
}

/** The element children named by `step`, in document order. */
export function childrenOf(parent: XmlTreeElement, step: Step): XmlTreeElement[] {
  const found: XmlTreeElement[] = [];
  for (const node of parent.childNodes) if (node.nodeType === 1 && isElement(node, step)) found.push(node);
  return found;
}

/** The first child named by `step`. */
export function childOf(parent: XmlTreeElement, step: Step): XmlTreeElement | undefined {
  for (const node of parent.childNodes) if (node.nodeType === 1 && isElement(node, step)) return node;
  return undefined;
}

/** Whether it has a child named by `step` (`exists(step)`). */
export function hasChild(parent: XmlTreeElement, step: Step): boolean {
  return childOf(parent, step) !== undefined;
}

/** Every element reached by a relative path of child steps from `start` (`a/b/c`), in document order. */
export function along(start: XmlTreeElement, steps: readonly Step[]): XmlTreeElement[] {
  let current = [start];
  for (const step of steps) {
    const next: XmlTreeElement[] = [];
    for (const element of current) next.push(...childrenOf(element, step));
    if (next.length === 0) return next;
    current = next;
  }
  return current;
}

/** Whether it has an element child at all (`*`). */
export function hasElementChild(element: XmlTreeElement): boolean {
  for (const node of element.childNodes) if (node.nodeType === 1) return true;
  return false;
}

/** Its own text nodes, joined (`text()` of a simple element). */
export function ownText(element: XmlTreeElement): string {
  let text = '';
  for (const node of element.childNodes) if (node.nodeType === 3) text += node.data;
  return text;
}

/** `normalize-space(.)` of an element, or of nothing (''). */
export function normalized(element: XmlTreeElement | undefined): string {
  return element === undefined ? '' : normalizeSpace(element.textContent);
}

export { normalizeSpace };

/** `path = value` as XPath compares nodes with a string: any of them has exactly that string value. */
export function anyEquals(elements: readonly XmlTreeElement[], value: string): boolean {
  return elements.some((element) => element.textContent === value);
}

/** The root and every element under it, in document order. */
export function allElements(root: XmlTreeElement): readonly XmlTreeElement[] {
  return documentOrder(root).elements;
}

/** Every element named by `step` anywhere in the document (`//step`), in document order. */
export function everywhere(root: XmlTreeElement, [namespace, localName]: Step): readonly XmlTreeElement[] {
  const named = elementsNamed(root, localName);
  return named.every((element) => element.namespaceURI === namespace)
    ? named
    : named.filter((element) => element.namespaceURI === namespace);
}

/** Whether an element holds nothing but XML white space (`not(normalize-space())` of a leaf). */
export function isBlank(element: XmlTreeElement): boolean {
  for (const node of element.childNodes) {
    if (node.nodeType === 1) {
      if (!isBlank(node)) return false;
      continue;
    }
    const data = node.data;
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
    }
  }
  return true;
}

/** Whether `element`'s parent is named by `step`. */
export function parentIs(element: XmlTreeElement, step: Step): boolean {
  const parent = element.parentNode;
  return parent !== null && isElement(parent, step);
}

/**
 * PEPPOL-EN16931-R043's test on an allowance or charge (UBL and CII alike): its charge indicator's own text,
 * normalised, is 'true' or 'false'; reported at the indicator, or at the allowance or charge without one.
 */
export function checkChargeIndicator(
  charge: XmlTreeElement,
  indicator: XmlTreeElement | undefined,
  report: (where: XmlTreeElement, detail?: string) => void,
): void {
  const value = indicator === undefined ? '' : normalizeSpace(ownText(indicator));
  if (value !== 'true' && value !== 'false')
    report(
      indicator ?? charge,
      indicator === undefined
        ? "The allowance or charge has no charge indicator: it must be 'true' or 'false'"
        : `The charge indicator of an allowance or charge must be 'true' or 'false', not '${value}'`,
    );
}
