// Elasticsearch's EQL conformance suite (../shared) must pass in full: every active query and every
// sequences.series-spec scenario.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPath, skipWithoutShared } from '../helpers/shared.js';
import { formatReport, runQueries, runSeries } from './conformance-suite.js';

const SUITE = ['conformance', 'elasticsearch'];

test('every active query of test_queries*.toml returns the expected event ids', { skip: skipWithoutShared(...SUITE, 'test_queries.toml') }, () => {
  const results = runQueries(sharedPath(...SUITE)!);
  assert.ok(results.length >= 130, `found ${results.length} queries`);
  assert.ok(results.every((r) => r.ok), formatReport(results));
});

test('every sequences.series-spec scenario gives the expected sequences', { skip: skipWithoutShared(...SUITE, 'sequences.series-spec') }, () => {
  const results = runSeries(sharedPath(...SUITE)!);
  assert.ok(results.length >= 25, `found ${results.length} scenarios`);
  assert.ok(results.every((r) => r.ok), formatReport(results));
});
