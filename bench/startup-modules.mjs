// Preloaded by bench/startup.js (--import) for the module check: at exit, writes to
// $BERTH_BENCH_MODULES_FILE every module the process loaded, one per line: files from
// require.cache, URLs resolved by the ESM loader (recorded by startup-modules-hooks.mjs),
// and built-ins from process.moduleLoadList as node:NAME.
import {appendFileSync} from 'node:fs'
import {createRequire, register} from 'node:module'

const file = process.env.BERTH_BENCH_MODULES_FILE
if (file) {
  register('./startup-modules-hooks.mjs', import.meta.url, {data: {file}})
  const require = createRequire(import.meta.url)
  process.on('exit', () => {
    const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => `node:${m.slice('NativeModule '.length)}`)
    appendFileSync(file, [...Object.keys(require.cache), ...builtins, ''].join('\n'))
  })
}
