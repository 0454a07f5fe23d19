/**
 * Jest's order, with the files that run Terraform most often first, longest first. Without a timing cache (CI's
 * clean clone), Jest orders files by size, which once left the longest file to start near the end and run alone on
 * one of the two workers; started first, the long files share the machine with the short ones.
 */
const { basename } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const SLOW_FIRST = ['matrix-engine', 'action-reviews', 'action', 'drift-precheck', 'terraform-lifecycle', 'terraform-modules', 'registry-module'];

const rank = (test) => {
  const index = SLOW_FIRST.indexOf(basename(test.path, '.test.ts'));
  return index < 0 ? SLOW_FIRST.length : index;
};

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    // Array.prototype.sort is stable: the other files keep Jest's own order.
    return [...super.sort(tests)].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowFirstSequencer;
