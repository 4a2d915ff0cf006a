'use strict';
// The Nu HTML Checker over the saved pages (and the stylesheet), in one JVM.

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

// A page with a known error goes with the real ones: proof that vnu really checked them.
const CANARY = '<!DOCTYPE html><html lang="en"><head><title>canary</title></head><body><p><div>x</div></p></body></html>';

function runVnu(files, cssFiles, workDir) {
  const canary = path.join(workDir, 'vnu-canary.html');
  fs.writeFileSync(canary, CANARY);
  const jar = String(require('vnu-jar')); // the path of vnu.jar
  const args = [
    '-Xss1024k', '-jar', jar,
    '--errors-only', '--format', 'json', '--stdout', '--exit-zero-always',
    '--also-check-css', canary, ...files, ...cssFiles,
  ];
  const r = spawnSync('java', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new Error(`cannot run java: ${r.error.message}`);
  let out;
  try {
    out = JSON.parse(r.stdout);
  } catch {
    throw new Error(`vnu gave no JSON (exit ${r.status}):\n${(r.stderr || r.stdout).slice(0, 2000)}`);
  }
  fs.rmSync(canary);
  const isCanary = (m) => (m.url || '').endsWith('/vnu-canary.html');
  if (!out.messages.some(isCanary)) throw new Error('vnu self-test: the canary page with a <div> inside a <p> gave no error');
  // Everything left after --errors-only is an error ("error", "non-document-error", fatal).
  return out.messages.filter((m) => !isCanary(m)).map((m) => ({
    file: decodeURIComponent((m.url || '').replace(/^file:/, '')),
    line: m.lastLine,
    col: m.lastColumn,
    type: m.subType ? `${m.type}/${m.subType}` : m.type,
    message: m.message,
    extract: m.extract,
  }));
}

module.exports = { runVnu };
