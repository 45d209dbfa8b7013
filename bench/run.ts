// `npm run bench`: prepares the inputs and measures seqhunt beside the floors and the reference tools, in one
// run on this machine. A benchmark, not a test: it prints a table of ratios and writes bench/out/results.json.
//
// Options: --ndjson-mb N (default 1000), --evtx-mb N (default 300), --only ndjson|evtx, --keep (reuse inputs),
// --runs N (default 3: each measure but the Python references is run N times and the best time counts; measures
// compared by a ratio take turns, so that they see the same moments of a noisy machine).
// Environment: EQL_PY=<checkout of endgameinc/eql> adds the Python reference engine, run with Debian's
// /usr/bin/python3 and its python3-lark (PyPI is not reachable here).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateNdjson, type GroundTruth } from './generate-ndjson.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench', 'out');
const { values: opts } = parseArgs({
  options: {
    'ndjson-mb': { type: 'string', default: '1000' },
    'evtx-mb': { type: 'string', default: '300' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
  },
});
/** Runs of each measure but the slow Python references (run once): the best one counts. */
const runs = Math.max(1, Number(opts.runs));
const seqhunt = join(root, 'bin', 'seqhunt.js');
const flagship = readFileSync(join(root, 'DEVELOPERS.md'), 'utf8').match(/```\n(sequence by host\.id[\s\S]*?)```/)![1]!;

interface Measure {
  input: string;
  tool: string;
  /** The best of `runs`. */
  seconds: number;
  runs: number[];
  peakMb: number;
  bytes: number;
  events?: number;
  output?: string;
}
const results: Measure[] = [];
/** Writes what was measured so far to bench/out/results.json. */
const save = (complete: boolean) => writeFileSync(join(out, 'results.json'), JSON.stringify({ when: new Date().toISOString(), complete, results }, null, 2));

/** What one measure runs: a shell command, and what it is measured on. */
interface Spec {
  input: string;
  tool: string;
  command: string;
  bytes: number;
  events?: number;
}

/** One run of a spec under /usr/bin/time -v: wall time (from the clock here), peak RSS (from time), output. */
function runOnce(spec: Spec): { seconds: number; rssMb: number; output: string | undefined } {
  const started = process.hrtime.bigint();
  const run = spawnSync('/usr/bin/time', ['-v', 'bash', '-c', spec.command], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr);
  if (run.status !== 0) process.stderr.write(`! ${spec.tool} exited ${run.status}: ${run.stderr.split('\n').slice(0, 5).join(' | ')}\n`);
  return { seconds, rssMb: rss ? Number(rss[1]) / 1024 : Number.NaN, output: run.stdout.trim().split('\n').pop() };
}

/**
 * Runs specs `repeat` times each, taking turns (the first, the second, …, then again), so that measures compared
 * by a ratio see the same moments of a noisy machine. Per spec: the best wall time (the other runs show how noisy
 * the machine was), the highest peak RSS, the last run's output.
 */
function measureTogether(specs: Spec[], repeat = runs): Measure[] {
  const done = specs.map((spec) => ({ spec, times: [] as number[], peakMb: Number.NaN, output: undefined as string | undefined }));
  for (let i = 0; i < repeat; i++) {
    for (const d of done) {
      const r = runOnce(d.spec);
      d.times.push(r.seconds);
      if (!Number.isNaN(r.rssMb)) d.peakMb = Math.max(Number.isNaN(d.peakMb) ? 0 : d.peakMb, r.rssMb);
      d.output = r.output;
    }
  }
  return done.map(({ spec, times, peakMb, output }) => {
    const seconds = Math.min(...times);
    const m: Measure = { input: spec.input, tool: spec.tool, seconds, runs: times, peakMb, bytes: spec.bytes, events: spec.events, output };
    results.push(m);
    // Saved after every measure, so that a run cut short keeps what it measured.
    save(false);
    const all = times.length > 1 ? ` (runs: ${times.map((t) => t.toFixed(2)).join(', ')})` : '';
    process.stderr.write(`  ${spec.tool.padEnd(44)} ${seconds.toFixed(2).padStart(8)} s  ${m.peakMb.toFixed(0).padStart(6)} MB  -> ${m.output ?? ''}${all}\n`);
    return m;
  });
}

/** One spec run `repeat` times in a row. */
function measure(input: string, tool: string, command: string, bytes: number, events?: number, repeat = runs): Measure {
  return measureTogether([{ input, tool, command, bytes, events }], repeat)[0]!;
}

function sizeOf(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + statSync(join(path, name)).size, 0);
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const WORD_SEARCH = "grep -c -i -E the pre-filter's words (native floor)";
const FLAGSHIP_NAME = 'Remote Scheduled Task Creation';
const FLAGSHIP_ONLY = 'seqhunt hunt --only flagship (1 core)';

/** The words the built-in rules' NDJSON pre-filter looks for first (its anchors), as one extended regex for grep. */
async function prefilterWords(): Promise<string> {
  const { loadRules } = (await import(join(root, 'dist', 'rules', 'index.js'))) as typeof import('../src/rules/index.js');
  const { prefilterForRules } = (await import(join(root, 'dist', 'engine', 'prefilter.js'))) as typeof import('../src/engine/prefilter.js');
  const filter = prefilterForRules((await loadRules()).rules, { hold: true });
  if (!filter) throw new Error('the built-in rules give no pre-filter');
  return filter.anchors.map((w) => w.replace(/[.[\]()*+?{}|^$\\]/g, '\\$&')).join('|');
}
const one = 'taskset -c 0';
mkdirSync(out, { recursive: true });
if (!existsSync(join(root, 'dist', 'cli', 'bin.js'))) throw new Error('run `npm run build` first (npm run bench does)');

async function ndjson(): Promise<void> {
  const mb = Number(opts['ndjson-mb']);
  const file = join(out, `defend-${mb}mb.ndjson`);
  const small = join(out, `defend-${Math.max(1, Math.round(mb / 10))}mb.ndjson`);
  for (const [path, size] of [[file, mb], [small, Math.max(1, Math.round(mb / 10))]] as const) {
    if (!opts.keep || !existsSync(`${path}.truth.json`)) {
      process.stderr.write(`generating ${path} (${size} MB)\n`);
      await generateNdjson({ path, bytes: size * 1e6 });
    }
  }
  const truth = JSON.parse(readFileSync(`${file}.truth.json`, 'utf8')) as GroundTruth;
  const bytes = sizeOf(file);
  process.stderr.write(`NDJSON ${file}: ${truth.events} events, ${truth.attacks} true sequences\n`);
  measure('ndjson', 'read (cat)', `cat ${q(file)} > /dev/null`, bytes, truth.events);
  measure('ndjson', 'grep -c -F svchost', `grep -c -F svchost ${q(file)}`, bytes, truth.events);
  const alerts = join(out, 'alerts.ndjson');
  const whole = { input: 'ndjson', bytes, events: truth.events };
  measureTogether([
    { ...whole, tool: 'node JSON.parse every line (floor)', command: `${one} node ${q(join(root, 'bench', 'floor-json-parse.mjs'))} ${q(file)}` },
    // What finding the pre-filter's words costs native code that does nothing else: GNU grep counting the lines
    // that hold any of them, case-insensitively (the words are the ones the built-in rules' pre-filter looks for).
    { ...whole, tool: WORD_SEARCH, command: `${one} env LC_ALL=C grep -c -i -E ${q(await prefilterWords())} ${q(file)}` },
    { ...whole, tool: 'seqhunt hunt (1 core)', command: `${one} node ${q(seqhunt)} hunt ${q(file)} --format ndjson -o ${q(alerts)} 2>/dev/null; wc -l < ${q(alerts)}` },
    // The flagship rule alone (its alerts still get their context, so enrichment's words are still looked for).
    { ...whole, tool: FLAGSHIP_ONLY, command: `${one} node ${q(seqhunt)} hunt ${q(file)} --only ${q(FLAGSHIP_NAME)} --format ndjson -o ${q(alerts)} 2>/dev/null; wc -l < ${q(alerts)}` },
    // One big file on both cores: read in pieces (src/engine/file-pieces.ts).
    { ...whole, tool: 'seqhunt hunt (2 cores)', command: `node ${q(seqhunt)} hunt ${q(file)} --format ndjson -o ${q(alerts)} 2>/dev/null; wc -l < ${q(alerts)}` },
  ]);
  // The same mode as the full input (the pre-filter is on by default only from 256 MiB), so that memory compares
  // like with like.
  measure('ndjson/10', 'seqhunt hunt --prefilter on (1 core), a tenth of the input', `${one} node ${q(seqhunt)} hunt ${q(small)} --prefilter on --format ndjson -o /dev/null 2>/dev/null; echo done`, sizeOf(small));
  // Several files: split the input in four by lines, then both cores.
  const parts = join(out, 'parts');
  if (!opts.keep || !existsSync(parts)) {
    rmSync(parts, { recursive: true, force: true });
    mkdirSync(parts);
    spawnSync('split', ['-n', 'l/4', '-d', '--additional-suffix=.ndjson', file, join(parts, 'part-')]);
  }
  // What two cores give this machine at best: two separate one-core processes at once, each on two of the files
  // (each sees only its half, so their alerts are not comparable; a reference for the ratio, not a result).
  const half = (names: string[]) => names.map((n) => q(join(parts, n))).join(' ');
  const pinnedHunt = (core: number, names: string[]) => `taskset -c ${core} node ${q(seqhunt)} hunt ${half(names)} --format ndjson -o /dev/null 2>/dev/null`;
  const x4 = { input: 'ndjson x4 files', bytes, events: truth.events };
  measureTogether([
    { ...x4, tool: 'seqhunt hunt (1 core)', command: `${one} node ${q(seqhunt)} hunt ${q(parts)} --format ndjson -o ${q(alerts)} 2>/dev/null; wc -l < ${q(alerts)}` },
    { ...x4, tool: 'seqhunt hunt (2 cores)', command: `node ${q(seqhunt)} hunt ${q(parts)} --format ndjson -o ${q(alerts)} 2>/dev/null; wc -l < ${q(alerts)}` },
    { ...x4, tool: 'two 1-core processes at once, 2 files each', command: `${pinnedHunt(0, ['part-00.ndjson', 'part-01.ndjson'])} & ${pinnedHunt(1, ['part-02.ndjson', 'part-03.ndjson'])} & wait; echo done` },
  ]);
  if (process.env.EQL_PY) {
    const queryFile = join(out, 'flagship.eql');
    writeFileSync(queryFile, flagship);
    measure('ndjson', 'python eql (reference)', `${one} /usr/bin/python3 ${q(join(root, 'bench', 'eql_reference.py'))} ${q(process.env.EQL_PY)} ${q(file)} ${q(queryFile)}`, bytes, truth.events, 1);
  } else {
    process.stderr.write('  (python eql reference skipped: set EQL_PY to a checkout of endgameinc/eql)\n');
  }
  process.stderr.write(`  expected flagship alerts (generator ground truth): ${truth.attacks}\n`);
}

function evtx(): void {
  const corpus = resolve(root, '..', 'shared', 'evtx-corpus');
  if (!existsSync(corpus)) {
    process.stderr.write('EVTX benchmark skipped: ../shared/evtx-corpus is absent\n');
    return;
  }
  const files: string[] = [];
  for (const dir of readdirSync(corpus)) {
    const d = join(corpus, dir);
    if (statSync(d).isDirectory()) for (const f of readdirSync(d)) if (f.endsWith('.evtx')) files.push(join(d, f));
  }
  files.sort();
  const target = Number(opts['evtx-mb']) * 1e6;
  const dir = join(out, 'evtx');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  let total = 0;
  for (let round = 0; total < target; round++) {
    for (const f of files) {
      if (total >= target) break;
      symlinkSync(f, join(dir, `${round}-${f.split('/').pop()}`));
      total += statSync(f).size;
    }
  }
  process.stderr.write(`EVTX ${dir}: ${readdirSync(dir).length} files (corpus repeated), ${(total / 1e6).toFixed(0)} MB\n`);
  // The same files in two halves (every other one), for what two cores give this machine at best on them.
  const halves = [join(out, 'evtx-a'), join(out, 'evtx-b')];
  for (const [h, half] of halves.entries()) {
    rmSync(half, { recursive: true, force: true });
    mkdirSync(half);
    readdirSync(dir)
      .sort()
      .forEach((name, i) => {
        if (i % 2 === h) symlinkSync(join(dir, name), join(half, name));
      });
  }
  measure('evtx', 'read (cat)', `cat ${q(dir)}/* > /dev/null`, total);
  if (spawnSync('which', ['evtx_dump.py']).status === 0) measure('evtx', 'python-evtx evtx_dump.py (reference)', `for f in ${q(dir)}/*; do ${one} evtx_dump.py "$f"; done > /dev/null 2>&1; echo done`, total, undefined, 1);
  const evtx = { input: 'evtx', bytes: total };
  measureTogether([
    ...(spawnSync('which', ['evtxexport']).status === 0 ? [{ ...evtx, tool: 'evtxexport -f xml (reference)', command: `for f in ${q(dir)}/*; do ${one} evtxexport -f xml "$f"; done > /dev/null 2>&1; echo done` }] : []),
    { ...evtx, tool: 'seqhunt evtx dump --json (1 core)', command: `${one} node ${q(seqhunt)} evtx dump --json ${q(dir)}/* > /dev/null 2>&1; echo done` },
    { ...evtx, tool: 'seqhunt hunt (1 core)', command: `${one} node ${q(seqhunt)} hunt ${q(dir)} --format ndjson -o /dev/null 2>/dev/null; echo done` },
    { ...evtx, tool: 'seqhunt hunt (2 cores)', command: `node ${q(seqhunt)} hunt ${q(dir)} --format ndjson -o /dev/null 2>/dev/null; echo done` },
    // Two separate one-core processes at once, each on half the files: the ceiling for the line above (a reference,
    // not a result). `--prefilter on` because a half is under the 256 MiB from which it is on by default.
    {
      ...evtx,
      tool: 'two 1-core processes at once, half the files each',
      command: `${halves.map((half, core) => `taskset -c ${core} node ${q(seqhunt)} hunt ${q(half)} --prefilter on --format ndjson -o /dev/null 2>/dev/null &`).join(' ')} wait; echo done`,
    },
  ]);
}

function table(): void {
  const by = (input: string, tool: string) => results.find((r) => r.input === input && r.tool === tool);
  const lines = ['| input | tool | MB/s | events/s | peak RSS MB | output |', '|---|---|---:|---:|---:|---|'];
  for (const r of results) {
    const mbps = r.bytes / 1e6 / r.seconds;
    const eps = r.events ? Math.round(r.events / r.seconds).toLocaleString('en-US') : '';
    lines.push(`| ${r.input} | ${r.tool} | ${mbps.toFixed(1)} | ${eps} | ${r.peakMb.toFixed(0)} | ${r.output ?? ''} |`);
  }
  const ratios: string[] = [];
  const ratio = (label: string, a?: Measure, b?: Measure) => {
    if (a && b) ratios.push(`| ${label} | ${(b.seconds / a.seconds).toFixed(2)}x |`);
  };
  const hunt = by('ndjson', 'seqhunt hunt (1 core)');
  ratio('NDJSON hunt vs JSON.parse floor (target >= 5)', hunt, by('ndjson', 'node JSON.parse every line (floor)'));
  ratio('NDJSON hunt vs python eql (target >= 20)', hunt, by('ndjson', 'python eql (reference)'));
  ratio('NDJSON hunt, flagship rule only, vs JSON.parse floor', by('ndjson', FLAGSHIP_ONLY), by('ndjson', 'node JSON.parse every line (floor)'));
  // How far the 5x target is from what native code takes to find the words alone (5.0 or less: the target asks
  // for a hunt as fast as grep's word search, or faster).
  ratio("grep finding the pre-filter's words vs JSON.parse floor", by('ndjson', WORD_SEARCH), by('ndjson', 'node JSON.parse every line (floor)'));
  ratio("NDJSON hunt vs grep finding the pre-filter's words", hunt, by('ndjson', WORD_SEARCH));
  ratio('NDJSON hunt vs grep -c -F', hunt, by('ndjson', 'grep -c -F svchost'));
  ratio('NDJSON hunt vs cat', hunt, by('ndjson', 'read (cat)'));
  ratio('EVTX hunt vs evtxexport -f xml (target >= 20)', by('evtx', 'seqhunt hunt (1 core)'), by('evtx', 'evtxexport -f xml (reference)'));
  ratio('EVTX hunt vs python-evtx', by('evtx', 'seqhunt hunt (1 core)'), by('evtx', 'python-evtx evtx_dump.py (reference)'));
  ratio('1 file: 2 cores vs 1 core (read in pieces)', by('ndjson', 'seqhunt hunt (2 cores)'), hunt);
  ratio('4 files: 2 cores vs 1 core (target >= 1.7)', by('ndjson x4 files', 'seqhunt hunt (2 cores)'), by('ndjson x4 files', 'seqhunt hunt (1 core)'));
  ratio('4 files: two separate 1-core processes vs 1 core (the ceiling of this machine for the line above)', by('ndjson x4 files', 'two 1-core processes at once, 2 files each'), by('ndjson x4 files', 'seqhunt hunt (1 core)'));
  ratio('EVTX: 2 cores vs 1 core', by('evtx', 'seqhunt hunt (2 cores)'), by('evtx', 'seqhunt hunt (1 core)'));
  ratio('EVTX: two separate 1-core processes vs 1 core (the ceiling of this machine for the line above)', by('evtx', 'two 1-core processes at once, half the files each'), by('evtx', 'seqhunt hunt (1 core)'));
  const small = by('ndjson/10', 'seqhunt hunt --prefilter on (1 core), a tenth of the input');
  if (hunt && small) ratios.push(`| peak RSS, 10x input vs 1x (target <= 1.20) | ${(hunt.peakMb / small.peakMb).toFixed(2)} (${small.peakMb.toFixed(0)} -> ${hunt.peakMb.toFixed(0)} MB; target < 300 MB) |`);
  const text = [...lines, '', '| ratio (speed: how many times faster seqhunt is) | value |', '|---|---|', ...ratios].join('\n');
  process.stdout.write(`\n${text}\n`);
  save(true);
}

if (opts.only !== 'evtx') await ndjson();
if (opts.only !== 'ndjson') evtx();
table();
