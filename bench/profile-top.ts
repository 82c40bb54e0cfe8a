import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * `npx tsx bench/profile-top.ts FILE.cpuprofile [--top 30] [--hops N]`: where a `node --cpu-prof`
 * profile's samples went (a server's, from `npm run bench -- --cpu-prof DIR`, which prints each
 * server's command with the hops it served, so shares also read as µs per hop): the
 * functions with the most self samples, and the samples by package or source folder, self and
 * inclusive (a function counted once per sample however deep it recurses), and by the innermost
 * function of the product's own code on the stack.
 */

const nodeSchema = z.object({
  id: z.number(),
  callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
  children: z.array(z.number()).optional(),
});
const profileSchema = z.object({ nodes: z.array(nodeSchema), samples: z.array(z.number()), startTime: z.number(), endTime: z.number() });

function where(url: string): string {
  if (url === '') return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') === true ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return url;
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return path.dirname(url.slice(dist + 1));
  return url;
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  const topIdx = args.indexOf('--top');
  const top = topIdx >= 0 ? Number(args[topIdx + 1]) : 30;
  const hopsIdx = args.indexOf('--hops');
  const hops = hopsIdx >= 0 ? Number(args[hopsIdx + 1]) : undefined;
  if (file === undefined) {
    console.error('usage: tsx bench/profile-top.ts FILE.cpuprofile [--top 30] [--hops N]');
    process.exit(2);
  }
  const profile = profileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (id: number) => {
    const f = byId.get(id)?.callFrame;
    return f === undefined ? '?' : `${f.functionName || '(anonymous)'} ${where(f.url)}${f.url === '' ? '' : `:${f.lineNumber + 1}`}`;
  };
  const idle = new Set(['(idle)', '(program)']);
  const self = new Map<string, number>();
  const selfGroup = new Map<string, number>();
  const inclGroup = new Map<string, number>();
  const inclFn = new Map<string, number>();
  const underOurs = new Map<string, number>();
  let total = 0;
  let idleCount = 0;
  for (const s of profile.samples) {
    const node = byId.get(s);
    if (node === undefined) continue;
    if (idle.has(node.callFrame.functionName)) {
      idleCount += 1;
      continue;
    }
    total += 1;
    const n = name(s);
    self.set(n, (self.get(n) ?? 0) + 1);
    const g = node.callFrame.functionName === '(garbage collector)' ? '(garbage collector)' : where(node.callFrame.url);
    selfGroup.set(g, (selfGroup.get(g) ?? 0) + 1);
    // The innermost frame of the product's own code (dist/) on the stack: what it costs, with the
    // library and native work it called synchronously (a socket write, a JSON.parse, a hash).
    let ours = '(no frame of ours: event loop, I/O callbacks, libraries)';
    for (let id: number | undefined = s; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)?.callFrame;
      if (f !== undefined && f.url.includes('/dist/') && !f.url.includes('node_modules')) {
        ours = name(id);
        break;
      }
    }
    if (node.callFrame.functionName === '(garbage collector)') ours = '(garbage collector)';
    underOurs.set(ours, (underOurs.get(ours) ?? 0) + 1);
    const seen = new Set<string>();
    const seenFn = new Set<string>();
    for (let id: number | undefined = s; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)?.callFrame;
      if (f === undefined || f.functionName === '(root)') continue;
      const fn = name(id);
      if (!seenFn.has(fn)) {
        seenFn.add(fn);
        inclFn.set(fn, (inclFn.get(fn) ?? 0) + 1);
      }
      const grp = where(f.url);
      if (!seen.has(grp)) {
        seen.add(grp);
        inclGroup.set(grp, (inclGroup.get(grp) ?? 0) + 1);
      }
    }
  }
  // The sampling interval actually achieved; with the hops the process served, a share becomes µs per hop.
  const intervalUs = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
  const perHop = (n: number) => (hops === undefined || !(hops > 0) ? '' : `${((n * intervalUs) / hops).toFixed(1).padStart(7)} µs/hop`);
  const pct = (n: number) => `${((100 * n) / total).toFixed(1).padStart(5)} %${perHop(n)}`;
  const show = (title: string, m: Map<string, number>, k: number) => {
    console.log(`\n${title}`);
    for (const [key, n] of [...m].sort((a, b) => b[1] - a[1]).slice(0, k)) console.log(`  ${pct(n)}  ${key}`);
  };
  console.log(`${file}: ${total} busy samples (${idleCount} idle or program left out), one every ${intervalUs.toFixed(0)} µs${hops === undefined ? '' : `, ${hops} hops: ${perHop(total).trim()} busy`}`);
  show('self, by function', self, top);
  show('self, by package or folder', selfGroup, top);
  show('inclusive, by package or folder (a sample counts once per group on its stack)', inclGroup, top);
  show('inclusive, by function', inclFn, top * 2);
  show('by the innermost function of ours (dist/) on the stack', underOurs, top);
}

main();
