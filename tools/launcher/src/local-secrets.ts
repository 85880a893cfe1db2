import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyRing } from '@hourglass/crypto';

/** A value from the environment, else the one kept in `.hourglass/<file>`, else a new one kept there. */
async function keptValue(
  stateDir: string,
  file: string,
  fromEnv: string | undefined,
  generate: () => string | Promise<string>,
): Promise<string> {
  if (fromEnv) return fromEnv;
  const path = join(stateDir, file);
  const existing = await readFile(path, 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  if (existing) return existing;
  const value = await generate();
  await mkdir(stateDir, { recursive: true });
  await writeFile(path, `${value}\n`, { mode: 0o600 });
  return value;
}

export const adminToken = (stateDir: string) =>
  keptValue(
    stateDir,
    'admin-token',
    process.env.HOURGLASS_ADMIN_TOKEN,
    () => `hga_${randomBytes(24).toString('base64url')}`,
  );

/**
 * The master key ring. A checkout that kept one under its former name (`encryption-keys`, whose
 * key sealed the signing secrets stored so far) keeps using it.
 */
export const masterKeys = (stateDir: string) =>
  keptValue(
    stateDir,
    'master-keys',
    process.env.HOURGLASS_MASTER_KEYS ?? process.env.ENCRYPTION_KEYS,
    async () =>
      (await readFile(join(stateDir, 'encryption-keys'), 'utf8').catch(() => '')).trim() || KeyRing.generateSpec('v1'),
  );
