import os from 'node:os'
import path from 'node:path'

/** Where berth keeps its state: $BERTH_HOME, else $XDG_CONFIG_HOME/berth, else ~/.config/berth. */
export function berthHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_HOME) return path.resolve(env.BERTH_HOME)
  const xdg = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config')
  return path.join(xdg, 'berth')
}

/** Where berth keeps caches (git clones): $BERTH_CACHE_DIR, else $XDG_CACHE_HOME/berth, else ~/.cache/berth. */
export function berthCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_CACHE_DIR) return path.resolve(env.BERTH_CACHE_DIR)
  const xdg = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache')
  return path.join(xdg, 'berth')
}
