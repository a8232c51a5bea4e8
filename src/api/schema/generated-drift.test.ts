/**
 * @module api/schema/generated-drift.test — the committed files in src/api/generated/ equal what
 * scripts/gen-schemas.ts produces from the reference data (run only where the data is present).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const REF = '/work/shared/reference';
const ROOT = join(import.meta.dirname, '..', '..', '..');

void test('generated schema files are up to date with the generator', (t) => {
  if (!existsSync(join(REF, 'openapi-v3')) || !existsSync(join(REF, 'protobuf-fields.json'))) {
    t.skip(`reference data not present at ${REF}; cannot regenerate to compare`);
    return;
  }
  const out = mkdtempSync(join(tmpdir(), 'windlass-gen-'));
  try {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'gen-schemas.ts'), REF, out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, / 0 warnings/);
    const committed = readdirSync(join(ROOT, 'src', 'api', 'generated')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).sort();
    assert.deepEqual(readdirSync(out).sort(), committed);
    for (const f of committed) {
      assert.equal(readFileSync(join(out, f), 'utf8'), readFileSync(join(ROOT, 'src', 'api', 'generated', f), 'utf8'), `${f} differs; run node scripts/gen-schemas.ts`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
