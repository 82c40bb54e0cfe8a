import { targets } from './lint';
import type { Menu } from './model';

const SHAPES = {
  menu: ['[', ']'],
  input: ['[/', '/]'],
  list: ['[[', ']]'],
  action: ['{{', '}}'],
  end: ['([', '])'],
} as const;

/** A Mermaid flowchart of the menu: one node per screen (shape by type), edges labelled by key or outcome. */
export function menuToMermaid(menu: Menu): string {
  const lines = ['flowchart TD'];
  const label = (s: string) => s.replace(/"/g, "'");
  for (const [id, screen] of Object.entries(menu.screens)) {
    const [open, close] = SHAPES[screen.type];
    const title = screen.type === 'action' ? `${id}: ${screen.action}` : `${id}: ${label(menu.texts.fr[screen.text] ?? screen.text).split('\n')[0]}`;
    lines.push(`  ${id}${open}"${label(title)}"${close}`);
  }
  for (const [id, screen] of Object.entries(menu.screens)) {
    for (const t of targets(screen)) lines.push(`  ${id} -->|${label(t.via)}| ${t.to}`);
  }
  lines.push(`  style ${menu.start} stroke-width:3px`);
  return lines.join('\n');
}
