/**
 * The keychain tests need a Secret Service on a D-Bus session (test/env/run.sh starts
 * GNOME Keyring in one). In CI a missing keychain fails the run; elsewhere it skips loudly.
 */
export function requireKeychain(ctx: Mocha.Context): void {
  if (process.env.DBUS_SESSION_BUS_ADDRESS) return
  const message = 'No D-Bus session (DBUS_SESSION_BUS_ADDRESS unset): the keychain tests need GNOME Keyring, started by `npm test`.'
  if (process.env.CI) throw new Error(`${message} CI must run them.`)
  process.stderr.write(`\n  !!! SKIPPING keychain tests: ${message}\n\n`)
  ctx.skip()
}
