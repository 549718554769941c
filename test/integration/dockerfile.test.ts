// The repository's Dockerfile, built in the real test Docker engine. Docker Hub cannot be reached
// here, so BASE_IMAGE is berth-test/node:20, made from this machine's node and npm by
// test/env/node-image.sh; `npm ci` inside the build reaches the npm registry over the host's
// network (the test engine has no bridge). Slow: about 2 minutes with the dependency layer cached
// (a source change), about 3.5 minutes from nothing, on this 2-core machine with vfs storage.
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import path from 'node:path'
import {promisify} from 'node:util'

import {ROOT} from '../helpers/cli.js'
import {requireService} from '../helpers/services.js'

const run = promisify(execFile)
// One tag, kept between runs: the classic builder's layer cache stays referenced by it.
const IMAGE = 'berth-test/berth-dockerfile:latest'

describe('Dockerfile', function () {
  this.timeout(600_000)

  it('builds berth from the repository (npm ci, build, runtime stage) into an image whose entrypoint is berth, as an unprivileged user', async function () {
    const docker = requireService(this, 'docker')
    const env = {...process.env, DOCKER_HOST: docker.host}
    await run('bash', [path.join(ROOT, 'test', 'env', 'node-image.sh')], {env})
    const build = await run('docker', ['build', '--network', 'host', '--build-arg', 'BASE_IMAGE=berth-test/node:20', '-t', IMAGE, ROOT], {env, maxBuffer: 64 * 1024 * 1024})
    expect(build.stdout).to.contain(`Successfully tagged ${IMAGE}`)

    const config = JSON.parse((await run('docker', ['image', 'inspect', '--format', '{{json .Config}}', IMAGE], {env})).stdout) as {User: string; Entrypoint: string[]; Cmd: string[]; ExposedPorts: Record<string, unknown>}
    expect(config.User).to.equal('10001:10001')
    expect(config.Entrypoint).to.deep.equal(['node', '/app/bin/run.js'])
    expect(config.Cmd).to.deep.equal(['trigger', 'serve', '--host', '0.0.0.0', '--port', '8080'])
    expect(Object.keys(config.ExposedPorts)).to.deep.equal(['8080/tcp'])

    const version = await run('docker', ['run', '--rm', IMAGE, '--version'], {env})
    expect(version.stdout).to.match(/^berth\/\d+\.\d+\.\d+ linux-x64 node-v20\./)
    // A command that reads state works as the image's user, on its own BERTH_HOME.
    const list = await run('docker', ['run', '--rm', IMAGE, 'trigger', 'list', '--json'], {env})
    expect(JSON.parse(list.stdout)).to.deep.equal([])
    const help = await run('docker', ['run', '--rm', IMAGE, 'trigger', 'serve', '--help'], {env})
    expect(help.stdout).to.contain('--replica-id')
    // The development dependencies were pruned.
    const modules = await run('docker', ['run', '--rm', '--entrypoint', '/bin/ls', IMAGE, '/app/node_modules'], {env})
    expect(modules.stdout.split('\n')).to.include('yaml').and.not.include('typescript').and.not.include('mocha')
  })
})
