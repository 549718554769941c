import type {QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule} from 'quickjs-emscripten-core'

import {ValidationError} from '../errors.js'
import {printable} from '../names.js'

/** Bounds of one sandbox: every expression evaluated in it gets `timeoutMs`; all of them share `memoryBytes`. */
export interface SandboxLimits {
  /** Wall time one expression may run (default 250 ms). */
  timeoutMs: number
  /** Heap of the QuickJS runtime (default 32 MiB). */
  memoryBytes: number
  /** Longest JSON text a result may have (default 1 MiB). */
  maxResultBytes: number
}

export const DEFAULT_LIMITS: SandboxLimits = {timeoutMs: 250, memoryBytes: 32 * 1024 * 1024, maxResultBytes: 1024 * 1024}

// QuickJS runs on the host's native stack: 512 KiB overflows Node's own stack before
// QuickJS notices, 256 KiB leaves room (measured with a deep recursion under mocha).
const MAX_STACK_BYTES = 256 * 1024

/** Why an expression failed, for callers that word their own message. */
export type ExpressionFailure = 'syntax' | 'error' | 'timeout' | 'memory' | 'result'

/** An expression that did not parse, threw, ran too long or too big, or returned something that is not JSON. */
export class ExpressionError extends ValidationError {
  readonly failure: ExpressionFailure
  constructor(failure: ExpressionFailure, message: string) {
    super(message)
    this.failure = failure
  }
}

let modulePromise: Promise<QuickJSWASMModule> | undefined

/** The QuickJS WebAssembly module, loaded once per process (about 20-70 ms) and only when an expression runs. */
export function quickJS(): Promise<QuickJSWASMModule> {
  modulePromise ??= (async () => {
    const [{newQuickJSWASMModuleFromVariant}, variant] = await Promise.all([import('quickjs-emscripten-core'), import('@jitl/quickjs-wasmfile-release-sync')])
    return newQuickJSWASMModuleFromVariant(variant.default as unknown as Parameters<typeof newQuickJSWASMModuleFromVariant>[0])
  })()
  return modulePromise
}

// Runs once per context, before anything else: captures what the exporter needs,
// then freezes every object reachable from the global object (intrinsics, their
// prototypes, the inputs, url) and the prototypes only reachable through syntax
// (generators, async functions, iterators). Nothing an expression does can then
// leave a trace for the next one: there is no writable place left.
const SETUP = String.raw`(() => {
  'use strict';
  const stringify = JSON.stringify, P = Promise, parseUrl = globalThis.__berthUrl;
  delete globalThis.__berthUrl;
  // Errors are made here: an error made by the host could not get its message once Error.prototype is frozen.
  Object.defineProperty(globalThis, 'url', {enumerable: true, value: function url(x) {
    const r = parseUrl(x);
    if (typeof r === 'string') throw new TypeError(r);
    return r;
  }});
  const seen = new WeakSet();
  const freeze = (o) => {
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) return;
    seen.add(o);
    Object.freeze(o);
    for (const key of Reflect.ownKeys(o)) {
      const d = Reflect.getOwnPropertyDescriptor(o, key);
      if (!d) continue;
      if ('value' in d) freeze(d.value);
      if (d.get) freeze(d.get);
      if (d.set) freeze(d.set);
    }
    freeze(Reflect.getPrototypeOf(o));
  };
  const exporter = (v) => {
    if (v instanceof P) throw new TypeError('the value is a Promise: import() and asynchronous code are not available in expressions');
    if (typeof v === 'function') throw new TypeError('the value is a function, not data');
    if (typeof v === 'symbol') throw new TypeError('the value is a symbol, not data');
    if (typeof v === 'bigint') throw new TypeError('the value is a BigInt, which JSON cannot hold');
    if (v === undefined) throw new TypeError('the value is undefined');
    const text = stringify(v);
    if (typeof text !== 'string') throw new TypeError('the value cannot be written as JSON');
    return text;
  };
  freeze(globalThis);
  for (const f of [function* () {}, async function () {}, async function* () {}, () => {}]) freeze(f);
  for (const it of [[][Symbol.iterator](), ''[Symbol.iterator](), new Map().entries(), new Set().values(), /x/[Symbol.matchAll](''), (function* () {})()]) freeze(it);
  freeze(new Uint8Array(0)); freeze(new DataView(new ArrayBuffer(0))); freeze(new WeakRef({})); freeze(new FinalizationRegistry(() => {}));
  return exporter;
})()`

const URL_FIELDS = ['href', 'origin', 'protocol', 'username', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'] as const

/**
 * An isolated JavaScript engine (QuickJS compiled to WebAssembly) holding one set of
 * inputs, e.g. `params` and `connector`, as frozen globals, plus `url(x)`. It has no
 * `process`, `require`, modules, timers, file system or network: only the language.
 * Each expression runs under a deadline (interrupt handler), the runtime under a
 * memory limit, and results leave as JSON text parsed on the host, so no object of
 * the sandbox ever reaches the host. One sandbox serves one resolve; after a timeout,
 * memory or stack failure it is rebuilt before the next expression.
 */
export class ExpressionSandbox {
  private runtime?: QuickJSRuntime
  private context?: QuickJSContext
  private exporter?: QuickJSHandle
  private deadline = 0
  private readonly limits: SandboxLimits

  private constructor(
    private readonly module: QuickJSWASMModule,
    private readonly globals: Record<string, unknown>,
    limits: Partial<SandboxLimits>,
  ) {
    this.limits = {...DEFAULT_LIMITS, ...limits}
  }

  /** A sandbox whose global object has each key of `globals` (plain JSON data) as a frozen value. */
  static async open(globals: Record<string, unknown>, limits: Partial<SandboxLimits> = {}): Promise<ExpressionSandbox> {
    const sandbox = new ExpressionSandbox(await quickJS(), globals, limits)
    sandbox.build()
    return sandbox
  }

  /** Throws an ExpressionError (failure "syntax") when `code` is not valid JavaScript; runs nothing. */
  checkSyntax(code: string): void {
    const context = this.ready()
    const result = context.evalCode(wrap(code), 'expression', {strict: true, compileOnly: true})
    if (result.error) {
      const problem = describe(context, result.error)
      result.error.dispose()
      throw new ExpressionError('syntax', `does not parse: ${problem}`)
    }
    result.value.dispose()
  }

  /** The value of one JavaScript expression, as plain JSON data. */
  evaluate(code: string): unknown {
    const context = this.ready()
    this.deadline = Date.now() + this.limits.timeoutMs
    let json: string
    try {
      const result = context.evalCode(wrap(code), 'expression', {strict: true})
      if (result.error) throw this.failure(context, result.error, 'error')
      const exported = context.callFunction(this.exporter!, context.undefined, result.value)
      result.value.dispose()
      if (exported.error) throw this.failure(context, exported.error, 'result')
      json = this.copyOut(context, exported.value)
    } catch (error) {
      if (error instanceof ExpressionError && (error.failure === 'timeout' || error.failure === 'memory')) this.discard()
      if (error instanceof RangeError) {
        // The host's own stack ran out inside WebAssembly: the engine's state is unknown.
        this.discard()
        throw new ExpressionError('memory', 'ran out of stack (recursion too deep)')
      }
      throw error
    }
    return JSON.parse(json)
  }

  dispose(): void {
    this.discard()
  }

  private copyOut(context: QuickJSContext, handle: QuickJSHandle): string {
    try {
      const lengthHandle = context.getProp(handle, 'length')
      const length = context.getNumber(lengthHandle)
      lengthHandle.dispose()
      // UTF-16 units: a lower bound of the UTF-8 size, enough to refuse before copying.
      if (length > this.limits.maxResultBytes) {
        throw new ExpressionError('result', `returned ${length} characters of JSON; the limit is ${this.limits.maxResultBytes}`)
      }
      const text = context.getString(handle)
      if (Buffer.byteLength(text) > this.limits.maxResultBytes) {
        throw new ExpressionError('result', `returned ${Buffer.byteLength(text)} bytes of JSON; the limit is ${this.limits.maxResultBytes}`)
      }
      return text
    } finally {
      handle.dispose()
    }
  }

  private failure(context: QuickJSContext, errorHandle: QuickJSHandle, kind: 'error' | 'result'): ExpressionError {
    const dumped = context.dump(errorHandle) as {name?: string; message?: string} | undefined
    errorHandle.dispose()
    // Reading a thrown object runs its getters: one that loops leaves no message, past the deadline.
    if (typeof dumped?.message !== 'string' && Date.now() > this.deadline) return new ExpressionError('timeout', `did not finish within ${this.limits.timeoutMs} ms (the time limit)`)
    // Clipped and with control characters escaped: the message is the expression's own text and goes to a terminal.
    const name = printable(String(dumped?.name ?? 'Error'), 40)
    const message = printable(typeof dumped?.message === 'string' ? dumped.message : String(dumped), 300)
    if (name === 'InternalError' && message === 'interrupted') {
      return new ExpressionError('timeout', `did not finish within ${this.limits.timeoutMs} ms (the time limit)`)
    }
    if (name === 'InternalError' && message === 'out of memory') {
      return new ExpressionError('memory', `ran out of memory (the limit is ${Math.round(this.limits.memoryBytes / 1024 / 1024)} MiB)`)
    }
    if (name === 'InternalError' && message === 'stack overflow') {
      return new ExpressionError('memory', 'ran out of stack (recursion too deep)')
    }
    if (kind === 'result') return new ExpressionError('result', `returned something that is not data: ${message}`)
    return new ExpressionError('error', `failed: ${name}: ${message}`)
  }

  private ready(): QuickJSContext {
    if (!this.context) this.build()
    return this.context!
  }

  private build(): void {
    const runtime = this.module.newRuntime()
    runtime.setMemoryLimit(this.limits.memoryBytes)
    runtime.setMaxStackSize(MAX_STACK_BYTES)
    runtime.setInterruptHandler(() => Date.now() > this.deadline)
    const context = runtime.newContext()
    this.runtime = runtime
    this.context = context
    this.deadline = Date.now() + Math.max(this.limits.timeoutMs, 1000)

    const urlFunction = context.newFunction('url', (arg) => {
      const text = context.typeof(arg) === 'string' ? context.getString(arg) : undefined
      let parsed: URL | undefined
      try {
        if (text !== undefined) parsed = new URL(text)
      } catch {
        parsed = undefined
      }
      if (!parsed) return context.newString(`url(): ${text === undefined ? 'the argument is not a string' : `${JSON.stringify(text.slice(0, 200))} is not a URL`}`)
      const object = context.newObject()
      for (const field of URL_FIELDS) {
        const value = context.newString(parsed[field])
        context.setProp(object, field, value)
        value.dispose()
      }
      return object
    })
    context.setProp(context.global, '__berthUrl', urlFunction)
    urlFunction.dispose()

    const parse = context.unwrapResult(context.evalCode('JSON.parse', 'input', {strict: true}))
    for (const [name, value] of Object.entries(this.globals)) {
      const text = context.newString(JSON.stringify(value ?? null))
      const parsed = context.callFunction(parse, context.undefined, text)
      text.dispose()
      const handle = context.unwrapResult(parsed)
      context.defineProp(context.global, name, {value: handle, configurable: false, enumerable: true})
      handle.dispose()
    }
    parse.dispose()
    const setup = context.evalCode(SETUP, 'setup', {strict: true})
    this.exporter = context.unwrapResult(setup)
  }

  private discard(): void {
    this.exporter?.dispose()
    this.context?.dispose()
    this.runtime?.dispose()
    this.exporter = undefined
    this.context = undefined
    this.runtime = undefined
  }
}

// Parentheses make `{a: 1}` an object literal, not a block; the newline lets a trailing `// comment` end.
function wrap(code: string): string {
  return `(${code}\n)`
}

function describe(context: QuickJSContext, handle: QuickJSHandle): string {
  const dumped = context.dump(handle) as {name?: string; message?: string} | undefined
  return printable(dumped && typeof dumped.message === 'string' ? `${dumped.name ?? 'Error'}: ${dumped.message}` : String(dumped), 300)
}
