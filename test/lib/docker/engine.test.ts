import {expect} from 'chai'

import {UsageError} from '../../../src/lib/errors.js'
import {dockerConnection, dockerEngineError, engineMessage} from '../../../src/lib/docker/engine.js'
import {ConnectionError} from '../../../src/lib/net/errors.js'

describe('Docker engine connection', () => {
  it('reads DOCKER_HOST like the docker CLI', () => {
    expect(dockerConnection({})).to.deep.equal({options: {socketPath: '/var/run/docker.sock'}, host: 'unix:///var/run/docker.sock'})
    expect(dockerConnection({DOCKER_HOST: 'unix:///tmp/x/docker.sock'})).to.deep.equal({options: {socketPath: '/tmp/x/docker.sock'}, host: 'unix:///tmp/x/docker.sock'})
    expect(dockerConnection({DOCKER_HOST: 'tcp://10.0.0.5:2375'}).options).to.deep.equal({host: '10.0.0.5', port: '2375', protocol: 'http'})
    expect(dockerConnection({DOCKER_HOST: 'tcp://10.0.0.5', DOCKER_TLS_VERIFY: '1'}).options).to.deep.equal({host: '10.0.0.5', port: 2376, protocol: 'https'})
    expect(dockerConnection({DOCKER_HOST: 'ssh://me@build-host'}).options).to.deep.equal({protocol: 'ssh', host: 'build-host', port: 22, username: 'me'})
  })

  it('rejects a DOCKER_HOST it cannot use', () => {
    expect(() => dockerConnection({DOCKER_HOST: 'not a url'})).to.throw(UsageError, 'DOCKER_HOST is not a URL: "not a url".')
    expect(() => dockerConnection({DOCKER_HOST: 'fd://'})).to.throw(UsageError, 'DOCKER_HOST has an unsupported scheme: "fd://".')
    expect(() => dockerConnection({DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent'})).to.throw(UsageError, 'Could not read the Docker TLS files in DOCKER_CERT_PATH (/nonexistent)')
  })

  it('turns a missing socket into a connect-step error with what to do', () => {
    const error = dockerEngineError(Object.assign(new Error('connect ENOENT /x.sock'), {code: 'ENOENT'}), {host: 'unix:///x.sock'}, 'pushing a')
    expect(error).to.be.instanceOf(ConnectionError)
    expect((error as ConnectionError).step).to.equal('connect')
    expect(error.message).to.equal('Could not connect to the Docker engine at unix:///x.sock (ENOENT) while pushing a.')
    expect(error.hint).to.equal('Start Docker, or point DOCKER_HOST at a running engine.')
    const denied = dockerEngineError(Object.assign(new Error('EACCES'), {code: 'EACCES'}), {host: 'unix:///x.sock'}, 'pushing a')
    expect(denied.hint).to.include('"docker" group')
  })

  it('takes the engine\'s own message from a dockerode error', () => {
    expect(engineMessage({json: {message: 'manifest unknown'}})).to.equal('manifest unknown')
    expect(engineMessage(new Error('(HTTP code 404) no such image - No such image: x'))).to.equal('No such image: x')
  })
})
