import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('the onnxruntime boundary', () => {
  it('is crossed by exactly one module', () => {
    const importers = [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'protocol'))]
      .filter((file) =>
        /from ['"]onnxruntime-node['"]|import\(['"]onnxruntime-node['"]\)|require\(['"]onnxruntime-node['"]\)/.test(
          readFileSync(file, 'utf8'),
        ),
      )
      .map((file) => relative(ROOT, file));
    expect(importers).toEqual(['src/engine/onnx/ort.ts']);
  });
});
