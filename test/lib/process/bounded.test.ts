import {expect} from 'chai'

import {runBounded} from '../../../src/lib/process/bounded.js'

const env = {PATH: process.env.PATH}
const limits = {env, timeoutMs: 10_000, maxStdout: 1024 * 1024, maxStderr: 64 * 1024}

describe('runBounded: an external program bounded in time and output', () => {
  it('gives exit code, stdout as bytes, stderr and stdin', async () => {
    const run = await runBounded('/bin/sh', ['-c', 'cat; printf "p@ss%%w0rd" >&2; exit 3'], {...limits, input: Buffer.from([0xff, 0x00, 0x41])})
    expect(run).to.deep.include({code: 3, stderr: 'p@ss%w0rd', timedOut: false, stdoutTooLarge: false})
    expect([...run.stdout]).to.deep.equal([0xff, 0x00, 0x41])
  })

  it('kills the whole process group at the timeout, a grandchild included', async () => {
    const started = Date.now()
    const run = await runBounded('/bin/sh', ['-c', '(sleep 30; echo late) & sleep 30'], {...limits, timeoutMs: 300})
    expect(run).to.deep.include({code: null, timedOut: true})
    expect(run.stdout.toString()).to.equal('')
    expect(Date.now() - started).to.be.below(10_000)
  })

  it('stops a program whose stdout passes the limit, keeping what came before', async () => {
    const run = await runBounded('/bin/sh', ['-c', 'yes registry.example.com:5443/tenant/app'], {...limits, maxStdout: 64 * 1024})
    expect(run.stdoutTooLarge).to.equal(true)
    expect(run.code).to.equal(null)
    expect(run.stdout.length).to.be.at.most(64 * 1024)
  })

  it('keeps stderr bounded, and reports a program that cannot start', async () => {
    const noisy = await runBounded('/bin/sh', ['-c', 'head -c 1000000 /dev/zero | tr "\\0" x >&2'], {...limits, maxStderr: 1024})
    expect(noisy.code).to.equal(0)
    expect(noisy.stderr.length).to.be.below(1024 + 70_000)
    const missing = await runBounded('/nonexistent/helm-3.19', ['version'], limits)
    expect(missing.code).to.equal(null)
    expect(missing.spawnError?.code).to.equal('ENOENT')
  })
})
