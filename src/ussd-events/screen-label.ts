/**
 * A short, bounded label for the screen a session stopped on, from the last text we sent. Digits
 * become `#` (amounts, references and page numbers would otherwise make every session its own
 * label), accents are folded, and the first line is cut to 30 characters: "Entrez votre référence
 * client" and "Facture # sur #" stay readable for the operator.
 */
export const SCREEN_LABEL_MAX = 30;

export function screenLabelFromText(lastAppResponse: string | undefined): string {
  if (lastAppResponse === undefined) return 'none';
  const body = lastAppResponse.replace(/^\s*(CON|END)\b\s*/, '');
  const line = body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (line === undefined) return 'none';
  const label = line
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\d+([.,\s]\d+)*/g, '#')
    .replace(/[^A-Za-z#?:'/ -]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, SCREEN_LABEL_MAX)
    .trim();
  return label === '' ? 'none' : label;
}
