import type { XmlTreeElement } from './xml-tree';

/**
 * An element's XPath from the root, with the names as the document writes them: a position where `positioned`
 * says so (default: where the element has siblings of its name), `/p:FatturaElettronica/…/DettaglioLinee[2]`.
 */
export function xpathOf(
  el: XmlTreeElement,
  positioned: (el: XmlTreeElement, named: readonly XmlTreeElement[]) => boolean = (_, named) =>
    named.length > 1,
): string {
  const steps: string[] = [];
  for (let node: XmlTreeElement | null = el; node; node = node.parentNode) {
    const step = node;
    const parent = step.parentNode;
    const named = parent ? parent.children.filter((c) => c.nodeName === step.nodeName) : [step];
    steps.unshift(
      parent && positioned(step, named) ? `${step.nodeName}[${named.indexOf(step) + 1}]` : step.nodeName,
    );
  }
  return `/${steps.join('/')}`;
}
