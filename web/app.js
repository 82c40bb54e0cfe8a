// @ts-check
import { loadAlphabet } from './gateway.js';
import { createMeter } from './gsm7.js';
import { createPhone } from './phone.js';

/** Side by side; more would not fit a screen beside their inboxes. */
const MAX_PHONES = 4;
/** Each new phone on another DRC network, with a mobile prefix of that network. */
const NETWORKS = [
  { code: '63001', prefix: '81' },
  { code: '63002', prefix: '99' },
  { code: '63086', prefix: '84' },
  { code: '63090', prefix: '90' },
];

/**
 * @template {Element} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function byId(id, type) {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`page: no ${type.name} #${id}`);
  return found;
}

/**
 * A random number per phone: two pages open on one server must not read each other's SMS. It ends
 * in 90, which the sandbox wallet approves once the PIN is typed (its other test endings, 91 for an
 * insufficient balance and so on, are listed in the README).
 * @param {string} prefix
 */
function randomNumber(prefix) {
  const digits = [...crypto.getRandomValues(new Uint8Array(5))].map((b) => String(b % 10)).join('');
  return `+243${prefix}${digits}90`;
}

async function main() {
  const alphabet = await loadAlphabet();
  const meter = createMeter(alphabet);
  const template = byId('phone-template', HTMLTemplateElement);
  const phones = byId('phones', HTMLElement);
  const addButton = byId('add-phone', HTMLButtonElement);
  let count = 0;
  const add = () => {
    const root = template.content.firstElementChild?.cloneNode(true);
    if (!(root instanceof HTMLElement)) throw new Error('page: empty phone template');
    const network = NETWORKS[count % NETWORKS.length] ?? { code: '63001', prefix: '81' };
    count += 1;
    root.setAttribute('aria-label', `Phone ${count}`);
    const select = root.querySelector('select');
    if (select !== null) select.value = network.code;
    phones.append(root);
    createPhone(root, { number: randomNumber(network.prefix), meter, screenLimit: alphabet.screenLimit });
    addButton.disabled = count >= MAX_PHONES;
  };
  add();
  addButton.addEventListener('click', add);
}

main().catch((err) => {
  const box = byId('page-error', HTMLElement);
  box.textContent = `The phone could not start: ${err instanceof Error ? err.message : String(err)}`;
  box.hidden = false;
});
