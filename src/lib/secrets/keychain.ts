import {KeychainUnavailableError, messageOf} from '../errors.js'
import {SecretRef, SecretStore, refKey} from './store.js'

type KeyringModule = typeof import('@napi-rs/keyring')

export interface KeychainOptions {
  /** The keychain "service" every berth entry is filed under. */
  service?: string
  /** Give up on a keychain call after this long (a locked keychain can hang on a prompt). */
  timeoutMs?: number
}

/** The OS keychain (macOS Keychain, Windows Credential Manager, Linux Secret Service) through @napi-rs/keyring. */
export class KeychainSecretStore implements SecretStore {
  readonly backend = 'keychain'
  private readonly service: string
  private readonly timeoutMs: number
  private keyring?: Promise<KeyringModule>

  constructor(options: KeychainOptions = {}) {
    this.service = options.service ?? 'berth'
    this.timeoutMs = options.timeoutMs ?? 10_000
  }

  async get(ref: SecretRef): Promise<string | undefined> {
    const entry = await this.entry(ref)
    const value = await this.call('read', (signal) => entry.getPassword(signal))
    if (value !== null && value !== undefined) return value
    // @napi-rs/keyring answers "no entry" also when the keychain cannot be reached: tell them apart.
    await this.assertReachable()
    return undefined
  }

  async set(ref: SecretRef, value: string): Promise<void> {
    const entry = await this.entry(ref)
    await this.call('write', (signal) => entry.setPassword(value, signal))
  }

  async delete(ref: SecretRef): Promise<boolean> {
    const entry = await this.entry(ref)
    if (await this.call('delete', (signal) => entry.deleteCredential(signal))) return true
    await this.assertReachable()
    return false
  }

  /**
   * Throws KeychainUnavailableError when the keychain cannot be reached. Listing the
   * service's entries is the one read of @napi-rs/keyring that fails then instead of
   * answering "nothing there"; it runs only after a miss.
   */
  private async assertReachable(): Promise<void> {
    this.keyring ??= import('@napi-rs/keyring')
    const {findCredentialsAsync} = await this.keyring
    await this.call('read', (signal) => findCredentialsAsync(this.service, undefined, signal))
  }

  private async entry(ref: SecretRef) {
    this.keyring ??= import('@napi-rs/keyring')
    const {AsyncEntry} = await this.keyring
    return new AsyncEntry(this.service, refKey(ref))
  }

  private async call<R>(what: string, fn: (signal: AbortSignal) => Promise<R>): Promise<R> {
    const controller = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort()
        reject(new KeychainUnavailableError(`a ${what} did not answer within ${this.timeoutMs} ms (is the keychain locked?).`))
      }, this.timeoutMs)
    })
    try {
      return await Promise.race([fn(controller.signal), timeout])
    } catch (error) {
      if (error instanceof KeychainUnavailableError) throw error
      // The native message can carry a Rust backtrace; its first line is what matters.
      const detail = (messageOf(error).split('\n')[0] ?? '').trim().replace(/\.$/, '')
      throw new KeychainUnavailableError(`${detail}.`, {cause: error})
    } finally {
      clearTimeout(timer)
    }
  }
}
