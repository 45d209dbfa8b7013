// npm run conformance [suite-folder]: Elasticsearch's EQL conformance suite against our engine.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatReport, runConformance } from '../test/eql/conformance-suite.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = resolve(process.argv[2] ?? process.env.SEQHUNT_CONFORMANCE ?? resolve(root, '..', 'shared', 'conformance', 'elasticsearch'));
if (!existsSync(resolve(dir, 'test_queries.toml'))) {
  console.log(`conformance: skipped, no suite at ${dir} (pass the folder holding test_queries.toml)`);
  process.exit(0);
}
const results = runConformance(dir);
console.log(formatReport(results));
process.exit(results.every((r) => r.ok) ? 0 : 1);
