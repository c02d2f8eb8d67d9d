/**
 * Installing a model from files the user already has (a mirror, a USB stick, weights unpacked
 * from a package): `flash-tts models import NAME --from DIR`. Every file of the manifest must be
 * in DIR under its manifest path with the manifest's size and sha256; all are checked before
 * anything is copied, so a wrong or missing file installs nothing. The copy is assembled in the
 * same staging directory as a pull and renamed into place.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { commitInstall, sha256Of, stagingDir } from './install-dir.js';
import type { InstalledModel, ModelManifest } from './manifest.js';

/** Options of {@link importModel}. */
export interface ImportOptions {
  /** Where models are installed. */
  modelsDir: string;
  /** The folder holding the model's files under their manifest paths. */
  from: string;
  /** Notes for the user (digests recorded because the manifest has none). */
  onNote?: (message: string) => void;
}

/** Why an import was refused: names the file and what to change. Nothing was installed. */
export class ImportError extends Error {
  override name = 'ImportError';
}

async function fileSize(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Installs `manifest` from `options.from`, replacing an installed copy. Throws an
 * {@link ImportError} naming the first file that is missing or differs from the manifest.
 */
export async function importModel(manifest: ModelManifest, options: ImportOptions): Promise<InstalledModel> {
  const { modelsDir, from, onNote } = options;
  const checked: ModelManifest['files'] = [];
  const folder = await stat(from).catch(() => undefined);
  if (!folder?.isDirectory()) {
    throw new ImportError(
      `${from} ${folder ? 'is a file' : 'does not exist'}: --from names the folder that holds the model's files (${manifest.files
        .slice(0, 3)
        .map((f) => f.path)
        .join(', ')}${manifest.files.length > 3 ? ', …' : ''}); nothing was installed`,
    );
  }
  for (const file of manifest.files) {
    const source = join(from, file.path);
    const size = await fileSize(source);
    if (size === undefined) {
      throw new ImportError(`${file.path} is missing from ${from}; nothing was installed`);
    }
    if (file.size !== null && size !== file.size) {
      throw new ImportError(
        `${file.path} in ${from} has ${size} bytes, the manifest of ${manifest.name} says ${file.size}; nothing was installed`,
      );
    }
    const digest = await sha256Of(source);
    if (file.sha256 !== null && digest !== file.sha256) {
      throw new ImportError(
        `${file.path} in ${from} has sha256 ${digest}, the manifest of ${manifest.name} says ${file.sha256}; nothing was installed`,
      );
    }
    if (file.sha256 === null) onNote?.(`${file.path}: no published sha256; recorded ${digest}`);
    checked.push({ ...file, size, sha256: digest });
  }

  const staging = stagingDir(modelsDir, manifest.name);
  await rm(staging, { recursive: true, force: true });
  try {
    for (const file of checked) {
      const target = join(staging, file.path);
      await mkdir(dirname(target), { recursive: true });
      // A reflink where the file system offers one, else a plain copy.
      await copyFile(join(from, file.path), target, constants.COPYFILE_FICLONE);
      // The file may have changed between the check and the copy: what is installed is checked.
      if ((await sha256Of(target)) !== file.sha256) {
        throw new ImportError(`${file.path} in ${from} changed while it was being imported; nothing was installed`);
      }
    }
    return await commitInstall(modelsDir, manifest, checked);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
