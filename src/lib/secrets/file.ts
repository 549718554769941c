import {promises as fs} from 'node:fs'
import {promisify} from 'node:util'

import {AuthError, DamagedStateError, UsageError} from '../errors.js'
import {FileLock} from '../state/lock.js'
import {writeFileAtomic} from '../fs/atomic.js'
import {isPlainObject} from '../yaml.js'
import {SecretRef, SecretStore, refKey} from './store.js'

type Crypto = typeof import('node:crypto')
let cryptoModule: Crypto | undefined

/** node:crypto, loaded on first use: start-up and commands that never open a secret skip it. */
async function loadCrypto(): Promise<Crypto> {
  cryptoModule ??= await import('node:crypto')
  return cryptoModule
}

interface Sealed {
  iv: string
  tag: string
  data: string
}

interface SecretFile {
  format: 'berth-secrets'
  version: 1
  kdf: {name: 'scrypt'; salt: string; N: number; r: number; p: number}
  /** A known plaintext sealed with the key: tells a wrong passphrase from a damaged entry. */
  check: Sealed
  entries: Record<string, Sealed>
}

const CHECK_PLAINTEXT = 'berth-secrets-v1'
const KDF_DEFAULTS = {N: 2 ** 15, r: 8, p: 1}

export interface FileSecretStoreOptions {
  file: string
  passphrase: string | undefined
}

/**
 * Secrets in one file, each value sealed with AES-256-GCM under a key derived with
 * scrypt from BERTH_PASSPHRASE; the entry's key is the additional authenticated data,
 * so sealed values cannot be swapped between entries. For machines without a keychain.
 */
export class FileSecretStore implements SecretStore {
  readonly backend = 'file'
  private readonly file: string
  private readonly passphrase: string
  private readonly lock: FileLock
  private key?: {salt: string; key: Buffer}

  constructor(options: FileSecretStoreOptions) {
    if (!options.passphrase) {
      throw new UsageError('BERTH_SECRET_STORE=file needs a passphrase, and BERTH_PASSPHRASE is not set.', {
        hint: 'Export BERTH_PASSPHRASE with the passphrase that protects the secrets file (keep it out of shell history, e.g. read -s BERTH_PASSPHRASE).',
      })
    }
    this.file = options.file
    this.passphrase = options.passphrase
    this.lock = new FileLock(`${options.file}.lock`)
  }

  async get(ref: SecretRef): Promise<string | undefined> {
    const data = await this.read()
    if (!data) return undefined
    const key = await this.unlock(data)
    const sealed = data.entries[refKey(ref)]
    if (!sealed) return undefined
    try {
      return open(await loadCrypto(), key, sealed, refKey(ref))
    } catch {
      throw new DamagedStateError(this.file, `The secret ${refKey(ref)} in ${this.file} cannot be decrypted: the entry was altered.`, {
        hint: 'Store the secret again (e.g. berth endpoint update NAME).',
      })
    }
  }

  async set(ref: SecretRef, value: string): Promise<void> {
    const crypto = await loadCrypto()
    await this.mutate(async (data, key) => {
      data.entries[refKey(ref)] = seal(crypto, key, value, refKey(ref))
    })
  }

  async delete(ref: SecretRef): Promise<boolean> {
    let deleted = false
    await this.mutate(async (data) => {
      deleted = Object.hasOwn(data.entries, refKey(ref))
      delete data.entries[refKey(ref)]
    })
    return deleted
  }

  private async mutate(change: (data: SecretFile, key: Buffer) => Promise<void>): Promise<void> {
    const release = await this.lock.acquire()
    try {
      const data = (await this.read()) ?? (await this.fresh())
      const key = await this.unlock(data)
      await change(data, key)
      await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`, 0o600)
    } finally {
      await release()
    }
  }

  private async fresh(): Promise<SecretFile> {
    const crypto = await loadCrypto()
    const salt = crypto.randomBytes(16).toString('base64')
    const key = await this.derive(salt, KDF_DEFAULTS)
    return {format: 'berth-secrets', version: 1, kdf: {name: 'scrypt', salt, ...KDF_DEFAULTS}, check: seal(crypto, key, CHECK_PLAINTEXT, 'check'), entries: {}}
  }

  private async unlock(data: SecretFile): Promise<Buffer> {
    const key = await this.derive(data.kdf.salt, data.kdf)
    let ok = false
    try {
      ok = open(await loadCrypto(), key, data.check, 'check') === CHECK_PLAINTEXT
    } catch {
      ok = false
    }
    if (!ok) {
      throw new AuthError(`BERTH_PASSPHRASE does not open the secrets file ${this.file}: the passphrase is wrong.`, {
        hint: 'Export the passphrase the file was created with. Without it the secrets in this file cannot be recovered.',
      })
    }
    return key
  }

  private async derive(salt: string, params: {N: number; r: number; p: number}): Promise<Buffer> {
    if (this.key?.salt === salt) return this.key.key
    const scrypt = promisify((await loadCrypto()).scrypt) as (password: string, salt: Buffer, keylen: number, options: {N: number; r: number; p: number; maxmem: number}) => Promise<Buffer>
    const key = await scrypt(this.passphrase, Buffer.from(salt, 'base64'), 32, {...params, maxmem: 256 * params.N * params.r + 1024 * 1024})
    this.key = {salt, key}
    return key
  }

  private async read(): Promise<SecretFile | undefined> {
    let text: string
    try {
      text = await fs.readFile(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw new DamagedStateError(this.file, `The secrets file ${this.file} is damaged: it is not valid JSON.`)
    }
    if (!isSecretFile(parsed)) throw new DamagedStateError(this.file, `The secrets file ${this.file} is damaged: it is not a berth secrets file (format berth-secrets, version 1).`)
    return parsed
  }
}

function isSealed(value: unknown): value is Sealed {
  return isPlainObject(value) && typeof value.iv === 'string' && typeof value.tag === 'string' && typeof value.data === 'string'
}

function isSecretFile(value: unknown): value is SecretFile {
  if (!isPlainObject(value) || value.format !== 'berth-secrets' || value.version !== 1) return false
  const kdf = value.kdf
  if (!isPlainObject(kdf) || kdf.name !== 'scrypt' || typeof kdf.salt !== 'string') return false
  if (![kdf.N, kdf.r, kdf.p].every((n) => typeof n === 'number' && Number.isInteger(n) && n > 0)) return false
  if ((kdf.N as number) > 2 ** 20 || (kdf.r as number) > 32 || (kdf.p as number) > 16) return false
  if (!isSealed(value.check) || !isPlainObject(value.entries)) return false
  return Object.values(value.entries).every(isSealed)
}

function seal(crypto: Crypto, key: Buffer, plaintext: string, aad: string): Sealed {
  const iv = crypto.randomBytes(12)
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(aad))
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return {iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64')}
}

function open(crypto: Crypto, key: Buffer, sealed: Sealed, aad: string): string {
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'))
  decipher.setAAD(Buffer.from(aad))
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'))
  return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8')
}
