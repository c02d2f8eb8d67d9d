/**
 * What `pull` and `import` share: file digests, the staging directory a model is assembled in,
 * and the rename that makes it installed — so a model directory is either complete or absent.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { INSTALLED_FILE, type InstalledModel, type ModelManifest } from './manifest.js';

/** Size of a file in bytes, 0 when it does not exist. */
export async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** A running sha256 over a file's bytes (to continue over bytes appended later). */
export async function hashFile(path: string): Promise<ReturnType<typeof createHash>> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash;
}

/** Hex sha256 of a file. */
export async function sha256Of(path: string): Promise<string> {
  return (await hashFile(path)).digest('hex');
}

/** The directory a model is (or would be) installed in. */
export function modelDir(modelsDir: string, name: string): string {
  return join(modelsDir, name);
}

/** The hidden directory a model is assembled in before it is installed. */
export function stagingDir(modelsDir: string, name: string): string {
  return join(modelsDir, `.${name}.partial`);
}

/**
 * Installs an assembled staging directory: writes `installed.json` (the manifest with the sizes
 * and digests of the files actually installed) last, then renames the directory into place.
 */
export async function commitInstall(
  modelsDir: string,
  manifest: ModelManifest,
  files: ModelManifest['files'],
): Promise<InstalledModel> {
  const staging = stagingDir(modelsDir, manifest.name);
  const finalDir = modelDir(modelsDir, manifest.name);
  await writeFile(join(staging, INSTALLED_FILE), `${JSON.stringify({ ...manifest, files }, null, 2)}\n`);
  await rm(finalDir, { recursive: true, force: true });
  await rename(staging, finalDir);
  return { name: manifest.name, engine: manifest.engine, dir: finalDir, manifest };
}
