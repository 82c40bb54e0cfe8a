// @ts-check
/**
 * Elements built as nodes, never from HTML text: names, SMS bodies and notes come from outside and
 * must stay text.
 */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | boolean | undefined | ((e: Event) => void)>} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, value);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c);
  }
  return el;
}

/**
 * @param {HTMLElement} parent
 * @param {...(Node | string)} children
 */
export function replace(parent, ...children) {
  parent.replaceChildren(...children);
}

/** A table in a box that scrolls sideways on a narrow screen rather than squeeze its columns.
 * `titled`: the heading just above already says the caption, so it is kept for screen readers only.
 * @param {string} caption
 * @param {string[]} head
 * @param {Array<Array<Node | string>>} rows
 * @param {{ titled?: boolean }} [opts]
 */
export function table(caption, head, rows, opts = {}) {
  return h(
    'div',
    { class: opts.titled === true ? 'table-wrap titled' : 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', {}, h('caption', {}, caption), h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', { 'data-label': head[i] ?? '' }, c)))))),
  );
}
