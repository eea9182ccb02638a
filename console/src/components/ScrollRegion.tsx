import type { ComponentChildren } from 'preact';

/**
 * A wide table scrolls inside its own region, so that on a phone the page itself never scrolls sideways.
 * The region is focusable so that keyboard users can scroll it too.
 */
export function ScrollRegion({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
