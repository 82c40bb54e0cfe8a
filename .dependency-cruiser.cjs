/**
 * The import rules of src/, checked by `npm run lint` (dependency-cruiser), so that the layering
 * DESIGN.md describes holds without a reviewer watching it.
 *
 * The areas of src/ from the top down. An area imports only areas of a LOWER line, never one of its
 * own line nor a higher one: a cycle between areas cannot form, and a lower area never learns of a
 * higher one. `main.ts` and `compose.ts` (the composition root) stand above everything; the files
 * at the root of src/ (money, phone, json, metrics, config, redis, gsm7, language, provinces, …)
 * and `logging/` stand below every area.
 */
const LAYERS = [
  ['http'],
  // The resumer (USSD sessions dropped past the bills → SMS) and the operator's gauges and health view.
  ['resume', 'operations'],
  ['ussd', 'sms', 'reconciliation'],
  // Names shown whole only to a phone that paid: fed by payments' "paid" hook.
  ['privacy'],
  ['payments'],
  // The catalogue of every text the product sends.
  ['texts'],
  ['collections', 'regideso', 'sessions', 'jobs', 'operators', 'ussd-events'],
  ['db'],
];
const BOTTOM = ['logging'];

const areaPath = (areas) => `^src/(${areas.join('|')})/`;
const ROOT_FILE = '^src/[^/]+[.]ts$';
// compose/ holds compose.ts's per-area composers (payments, SMS): above every area, like compose.ts.
const TOP_FILES = '^src/((main|compose)[.]ts$|compose/)';

const layerRules = LAYERS.map((areas, i) => ({
  name: `layer-${areas.join('-')}`,
  comment: `${areas.join(', ')} may import only the areas below them (${LAYERS.slice(i + 1).flat().concat(BOTTOM).join(', ')}) and src/'s shared root files`,
  severity: 'error',
  from: { path: areaPath(areas) },
  // $1: the importing area itself, which may import its own files.
  to: { path: [areaPath(LAYERS.slice(0, i + 1).flat()), TOP_FILES], pathNot: '^src/$1/' },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'bottom-imports-no-area',
      comment: "logging/ and src/'s shared root files (money, metrics, config, …) sit below every area: they import none, nor the composition root",
      severity: 'error',
      from: { path: [areaPath(BOTTOM), ROOT_FILE], pathNot: TOP_FILES },
      to: { path: ['^src/[^/]+/', TOP_FILES], pathNot: areaPath(BOTTOM) },
    },
    {
      name: 'no-area-cycle',
      comment: 'no cycle between the areas (top-level folders) of src/, type-only imports included',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/[^/]+/?$' },
      to: { path: '^src/[^/]+/?$', circular: true },
    },
    {
      name: 'no-runtime-cycle',
      comment: 'no cycle between modules through imports that stay at run time (type-only imports are erased by the compiler)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'sandboxes-only-from-compose',
      comment: 'the sandbox REGIDESO and the sandbox wallet are wired by compose.ts alone (and started by their own CLIs, inside their folders); tests may use them',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/compose[.]ts$', '^src/(regideso|collections)/sandbox/'] },
      to: { path: '^src/(regideso|collections)/sandbox/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that resolves to nothing',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: an area that names another's types depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
