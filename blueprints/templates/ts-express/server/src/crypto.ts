// Field-level encryption at rest (AES-256-GCM) for fields the blueprint flags `encrypted`.
// The key comes from DATA_ENCRYPTION_KEY (64 hex characters); without it a development key is
// derived and a warning printed, so production deployments must set it.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';
let cachedKey: Buffer | undefined;

export function encryptionKey(): Buffer {
  if (cachedKey) return cachedKey;
  const configured = process.env.DATA_ENCRYPTION_KEY ?? '';
  if (/^[0-9a-fA-F]{64}$/.test(configured)) {
    cachedKey = Buffer.from(configured, 'hex');
  } else {
    if (process.env.NODE_ENV === 'production') {
      throw new Error('DATA_ENCRYPTION_KEY must be 64 hex characters in production');
    }
    cachedKey = createHash('sha256').update('development-only-key').digest();
  }
  return cachedKey;
}

export function encryptValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(), iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
}

export function decryptValue(stored: string | null): unknown {
  if (stored === null || !stored.startsWith(PREFIX)) return stored;
  const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', encryptionKey(), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  return JSON.parse(text) as unknown;
}
