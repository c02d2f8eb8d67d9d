/** Where the package lives: its root (package.json, models/) from src/ or dist/src/. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root directory. */
export const PACKAGE_ROOT: string = (() => {
  for (const relative of ['../', '../../']) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    const pkg = `${dir}package.json`;
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'flash-tts') return dir;
  }
  return process.cwd();
})();
