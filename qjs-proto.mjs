import {newQuickJSWASMModuleFromVariant} from 'quickjs-emscripten-core'
import variant from '@jitl/quickjs-wasmfile-release-sync'
const mod = await newQuickJSWASMModuleFromVariant(variant)
for (const size of [64, 128, 256, 384]) {
const rt = mod.newRuntime()
rt.setMemoryLimit(16*1024*1024); rt.setMaxStackSize(size*1024)
const ctx = rt.newContext()
for (const code of ["(function f(){return f()})()", "(function f(n){return n? [f(n-1)] : 0})(200)", "JSON.stringify((function f(n){return n? [f(n-1)] : 0})(2000))",  "[1,2,3].map(x=>x*2)", "(function f(n){return n? 1+f(n-1) : 0})(1000)"]) {
  try {
  const r = ctx.evalCode(code, 'expr.js', {strict: true})
  if (r.error) { const e = ctx.dump(r.error); r.error.dispose(); console.log(size, code.slice(0,40), '=> ERR', e.message) }
  else { console.log(size, code.slice(0,40), '=>', ctx.typeof(r.value)); r.value.dispose() }
  } catch (e) { console.log(size, code, 'HOST', e.message) }
}
ctx.dispose(); rt.dispose()
}
