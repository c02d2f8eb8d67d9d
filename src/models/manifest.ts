/**
 * Model manifests (models/*.json in the package): what `flash-tts models pull` downloads — files
 * with URL, size and sha256 — and what the server looks for. An installed model is a directory
 * `<models dir>/<name>/` holding its files and `installed.json` (written last, so a directory
 * without it is not a model).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PACKAGE_ROOT } from '../paths.js';

export const modelFileSchema = z.object({
  /** Path inside the model directory. */
  path: z.string().regex(/^[\w.-]+(\/[\w.-]+)*$/, 'must be a relative path of plain names'),
  url: z.url(),
  /** Bytes; null when the publisher gives no size (then recorded at install). */
  size: z.number().int().positive().nullable(),
  /** Published digest; null when the publisher gives none (then recorded at install). */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
});
export type ModelFile = z.infer<typeof modelFileSchema>;

export const manifestSchema = z.object({
  name: z.string().regex(/^[a-z0-9][\w.-]*$/),
  engine: z.enum(['kokoro', 'piper', 'pocket-tts']),
  description: z.string(),
  licence: z.string(),
  sample_rate: z.number().int(),
  /** Language tags the model speaks. */
  languages: z.array(z.string()),
  /** Voices it offers (engine voice ids), with gender where known. */
  voices: z.array(
    z.object({
      id: z.string(),
      gender: z.enum(['female', 'male', 'neutral']).default('neutral'),
      language: z.string().optional(),
    }),
  ),
  files: z.array(modelFileSchema).min(1),
});
export type ModelManifest = z.infer<typeof manifestSchema>;

/** A model found installed. */
export interface InstalledModel {
  name: string;
  engine: ModelManifest['engine'];
  dir: string;
  manifest: ModelManifest;
}

/** Where models are installed: `FLASH_TTS_MODELS_DIR`, else the package's models/ directory. */
export function defaultModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLASH_TTS_MODELS_DIR || join(PACKAGE_ROOT, 'models');
}

/**
 * Where manifests are read from: `FLASH_TTS_MANIFESTS_DIR` (your own manifests, e.g. pointing at
 * a mirror), else the package's models/ directory.
 */
export function manifestsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLASH_TTS_MANIFESTS_DIR || join(PACKAGE_ROOT, 'models');
}

/** The manifests in `dir` (default {@link manifestsDir}), by name. */
export function loadManifests(dir = manifestsDir()): Map<string, ModelManifest> {
  const manifests = new Map<string, ModelManifest>();
  if (!existsSync(dir)) return manifests;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    manifests.set(manifest.name, manifest);
  }
  return manifests;
}

export const INSTALLED_FILE = 'installed.json';

/** The models installed in `modelsDir`. */
export function scanInstalled(modelsDir: string): InstalledModel[] {
  if (!existsSync(modelsDir)) return [];
  const found: InstalledModel[] = [];
  for (const entry of readdirSync(modelsDir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    // A model folder may also be a link to one kept elsewhere.
    if (
      !entry.isDirectory() &&
      !(entry.isSymbolicLink() && statSync(join(modelsDir, entry.name), { throwIfNoEntry: false })?.isDirectory())
    )
      continue;
    const marker = join(modelsDir, entry.name, INSTALLED_FILE);
    if (!existsSync(marker)) continue;
    const manifest = manifestSchema.parse(JSON.parse(readFileSync(marker, 'utf8')));
    found.push({ name: manifest.name, engine: manifest.engine, dir: join(modelsDir, entry.name), manifest });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}
