// The expression sandbox (QuickJS in WebAssembly): the language only, bounded time, memory and
// result size, inputs and intrinsics frozen, and a host that is unaffected by anything an expression does.
import {expect} from 'chai'

import {ExpressionError, ExpressionSandbox} from '../../../src/lib/resource-interfaces/sandbox.js'

const TIMEOUT_MS = 150

const globals = {
  params: {repository: 'team/app', tags: ['v1.2.0', 'latest']},
  connector: {metadata: {name: 'harbor-prod', namespace: 'payments'}, spec: {address: 'https://harbor.example.com:8443', registry: 'harbor.example.com:8443'}},
}

function failure(sandbox: ExpressionSandbox, code: string): ExpressionError {
  try {
    sandbox.evaluate(code)
  } catch (error) {
    if (error instanceof ExpressionError) return error
    throw error
  }
  throw new Error(`expected ${code} to fail`)
}

describe('lib/resource-interfaces/sandbox', function () {
  this.timeout(30_000)
  let sandbox: ExpressionSandbox
  beforeEach(async () => {
    sandbox = await ExpressionSandbox.open(globals, {timeoutMs: TIMEOUT_MS, memoryBytes: 16 * 1024 * 1024, maxResultBytes: 64 * 1024})
  })
  afterEach(() => sandbox.dispose())

  describe('plain JavaScript over params and connector', () => {
    it('concatenates strings and reads properties', () => {
      expect(sandbox.evaluate("connector.spec.address + '/' + params.repository")).to.equal('https://harbor.example.com:8443/team/app')
      expect(sandbox.evaluate('connector.metadata.namespace')).to.equal('payments')
    })
    it('maps arrays with arrow functions and keeps the array type', () => {
      expect(sandbox.evaluate("params.tags.map(tag => url(connector.spec.address).host + '/' + params.repository + ':' + tag)")).to.deep.equal([
        'harbor.example.com:8443/team/app:v1.2.0',
        'harbor.example.com:8443/team/app:latest',
      ])
    })
    it('has url(x) with the parts of a WHATWG URL, and a clear error for a non-URL', () => {
      expect(sandbox.evaluate("url('https://user@git.example.com:9443/scm/a.git?x=1#f')")).to.deep.equal({
        href: 'https://user@git.example.com:9443/scm/a.git?x=1#f', origin: 'https://git.example.com:9443', protocol: 'https:', username: 'user',
        host: 'git.example.com:9443', hostname: 'git.example.com', port: '9443', pathname: '/scm/a.git', search: '?x=1', hash: '#f',
      })
      expect(failure(sandbox, "url('not a url')").message).to.equal('failed: TypeError: url(): "not a url" is not a URL')
      expect(failure(sandbox, 'url(42)').message).to.equal('failed: TypeError: url(): the argument is not a string')
    })
    it('returns objects, numbers, booleans and null as JSON data', () => {
      expect(sandbox.evaluate("{a: [1, {b: '}'}], c: null, d: true}")).to.deep.equal({a: [1, {b: '}'}], c: null, d: true})
    })
  })

  describe('hostile expressions', () => {
    const hostile: Array<{title: string; code: string; message: string; failure: string}> = [
      {title: 'an endless loop', code: '(() => { for (;;) {} })()', message: `did not finish within ${TIMEOUT_MS} ms (the time limit)`, failure: 'timeout'},
      {title: 'an endless loop that allocates', code: "(() => { const a = []; for (;;) a.push('x' + a.length) })()", message: /^(did not finish within 150 ms \(the time limit\)|ran out of memory \(the limit is 16 MiB\))$/ as unknown as string, failure: ''},
      {title: 'a memory bomb', code: "'x'.repeat(2 ** 28)", message: 'ran out of memory (the limit is 16 MiB)', failure: 'memory'},
      {title: 'a doubling memory bomb', code: '(() => { let a = [1, 2, 3, 4]; for (;;) a = a.concat(a) })()', message: 'ran out of memory (the limit is 16 MiB)', failure: 'memory'},
      {title: 'endless recursion', code: '(function f() { return f() })()', message: 'ran out of stack (recursion too deep)', failure: 'memory'},
      {title: 'the Function constructor reaching for process', code: "this.constructor.constructor('return process')()", message: "failed: ReferenceError: 'process' is not defined", failure: 'error'},
      {title: 'globalThis.process', code: 'globalThis.process.exit(1)', message: "failed: TypeError: cannot read property 'exit' of undefined", failure: 'error'},
      {title: 'require', code: "require('child_process').execSync('id')", message: "failed: ReferenceError: 'require' is not defined", failure: 'error'},
      {title: 'import()', code: "import('fs')", message: 'returned something that is not data: the value is a Promise: import() and asynchronous code are not available in expressions', failure: 'result'},
      {title: 'a timer', code: 'setTimeout(() => 1, 0)', message: "failed: ReferenceError: 'setTimeout' is not defined", failure: 'error'},
      {title: 'fetch', code: "fetch('http://169.254.169.254/')", message: "failed: ReferenceError: 'fetch' is not defined", failure: 'error'},
      {title: 'prototype pollution through params', code: "params.__proto__.polluted = 'yes'", message: 'failed: TypeError: object is not extensible', failure: 'error'},
      {title: 'prototype pollution through Object.prototype', code: "Object.prototype.toString = () => 'pwned'", message: "failed: TypeError: 'toString' is read-only", failure: 'error'},
      {title: 'changing a param', code: "params.repository = 'evil/app'", message: "failed: TypeError: 'repository' is read-only", failure: 'error'},
      {title: 'pushing into a param array', code: "params.tags.push('evil')", message: 'failed: TypeError: object is not extensible', failure: 'error'},
      {title: 'replacing url()', code: 'globalThis.url = (x) => ({host: "evil.example.com"})', message: "failed: TypeError: 'url' is read-only", failure: 'error'},
      {title: 'a global variable', code: 'globalThis.leak = 1', message: 'failed: TypeError: object is not extensible', failure: 'error'},
      {title: 'a huge string result', code: "'x'.repeat(100000)", message: 'returned 100002 characters of JSON; the limit is 65536', failure: 'result'},
      {title: 'a function as the result', code: 'x => x', message: 'returned something that is not data: the value is a function, not data', failure: 'result'},
      {title: 'undefined as the result', code: 'params.nothing', message: 'returned something that is not data: the value is undefined', failure: 'result'},
      {title: 'a thrown object whose getter loops', code: "(() => { throw {get message() { for (;;) {} }} })()", message: `did not finish within ${TIMEOUT_MS} ms (the time limit)`, failure: 'timeout'},
      {title: 'a thrown huge message with terminal escapes', code: "(() => { throw new Error('\\u001b[2J' + 'x'.repeat(5e6)) })()", message: `failed: Error: \\u001b[2J${'x'.repeat(291)}…`, failure: 'error'},
      {title: 'a toJSON that loops', code: '({toJSON() { for (;;) {} }})', message: `did not finish within ${TIMEOUT_MS} ms (the time limit)`, failure: 'timeout'},
    ]
    for (const h of hostile) {
      it(`fails on ${h.title} with a clear error, within the time limit, and later expressions still work`, () => {
        const started = Date.now()
        const error = failure(sandbox, h.code)
        const elapsed = Date.now() - started
        if (typeof h.message === 'string') expect(error.message).to.equal(h.message)
        else expect(error.message).to.match(h.message as unknown as RegExp)
        if (h.failure) expect(error.failure).to.equal(h.failure)
        expect(error.exitCode).to.equal(2)
        expect(elapsed).to.be.below(TIMEOUT_MS + 1500)
        // Nothing leaked: the inputs and intrinsics are as before.
        expect(sandbox.evaluate("[params.repository, params.tags.join(','), typeof params.polluted, ({}).polluted === undefined, Object.prototype.toString.call([]), typeof globalThis.leak, url('https://a.example.com').host]")).to.deep.equal([
          'team/app', 'v1.2.0,latest', 'undefined', true, '[object Array]', 'undefined', 'a.example.com',
        ])
      })
    }

    it('leaves the host process as it was', () => {
      const before = {exit: process.exit, toString: Object.prototype.toString, keys: Object.keys(globalThis).sort()}
      for (const h of hostile) failure(sandbox, h.code)
      expect(process.exit).to.equal(before.exit)
      expect(Object.prototype.toString).to.equal(before.toString)
      expect(Object.keys(globalThis).sort()).to.deep.equal(before.keys)
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined)
    })

    it('does not let one expression change what the next one sees, even through syntax-only prototypes', () => {
      for (const code of [
        'Object.getPrototypeOf(function* () {}).extra = 1',
        'Object.getPrototypeOf(async function () {}).extra = 1',
        'Object.getPrototypeOf([][Symbol.iterator]()).next = () => ({done: true})',
        'Array.prototype.map = () => []',
        'JSON.stringify = () => "[]"',
      ]) {
        expect(() => sandbox.evaluate(code), code).to.throw(ExpressionError)
      }
      expect(sandbox.evaluate('[...params.tags].map(t => t.toUpperCase())')).to.deep.equal(['V1.2.0', 'LATEST'])
    })

    it('checks syntax without running anything', () => {
      expect(() => sandbox.checkSyntax('(() => { for (;;) {} })()')).not.to.throw()
      expect(() => sandbox.checkSyntax("connector.spec.address + '/' +")).to.throw(ExpressionError, /^does not parse: SyntaxError: /)
    })
  })
})
