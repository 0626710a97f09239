// Prints the plain closing line CI reads: "N passed, N failed[, N skipped]" from vitest's JSON report.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
// vitest's exit status: non-zero with no failed test means errors outside tests (unhandled rejections, crashed workers).
const status = Number(process.argv[3] ?? 0);
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.log('0 passed, 1 failed');
  console.error(`no test report at ${file}: the test run did not complete`);
  process.exit(0);
}
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// Suites that failed to load count as failures: their tests never ran.
const failedSuites = (report.testResults ?? []).filter(
  (r) => r.status === 'failed' && r.assertionResults?.length === 0,
).length;
const failed = report.numFailedTests + failedSuites || (status !== 0 ? 1 : 0);
if (status !== 0 && report.numFailedTests + failedSuites === 0) {
  console.error('vitest failed outside any test (see "Unhandled Errors" above); counted as 1 failure');
}
console.log(`${report.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
