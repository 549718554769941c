// `berth image push|tags|pull` through the real Docker engine (test/env/docker.sh) to the
// real registries (test/env/registry.sh), Basic and Bearer.
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {ROOT} from '../helpers/cli.js'
import {DockerService, RegistryService, requireService} from '../helpers/services.js'
import {Sandbox, createRegistryEndpoint, dockerCli, expectNoSecret, sandbox, uniqueRepo} from './registry-helpers.js'

const exec = promisify(execFile)

describe('image push, tags and pull through the real Docker engine', function () {
  this.timeout(180_000)
  let reg: RegistryService
  let docker: DockerService
  let box: Sandbox
  let userHome: string
  const localTags: string[] = []

  /** The docker CLI against the test engine, with an empty private config. */
  const dockerRun = (args: string[]) => exec(dockerCli(), args, {env: {PATH: process.env.PATH, DOCKER_HOST: docker.host, DOCKER_CONFIG: path.join(userHome, 'cli-config')}})
  const imageExists = async (ref: string) => {
    try {
      await dockerRun(['image', 'inspect', ref])
      return true
    } catch {
      return false
    }
  }

  before(function () {
    reg = requireService(this, 'registry')
    docker = requireService(this, 'docker')
  })
  beforeEach(() => {
    // HOME is private too, to show that nothing lands in ~/.docker/config.json.
    userHome = mkdtempSync(path.join(os.tmpdir(), 'berth-images-home-'))
    box = sandbox({DOCKER_HOST: docker.host, HOME: userHome})
  })
  afterEach(async function () {
    if (this.currentTest?.state === 'passed') {
      expectNoSecret(reg.password, box.home, box.runs)
      expect(existsSync(path.join(userHome, '.docker')), '~/.docker was written').to.equal(false)
    }
    for (const ref of localTags.splice(0)) await dockerRun(['rmi', ref]).catch(() => undefined)
    box.cleanup()
    rmSync(userHome, {recursive: true, force: true})
  })

  for (const kind of ['basic', 'token'] as const) {
    it(`pushes three tags, lists them and pulls one back (${kind})`, async () => {
      const addr = kind === 'basic' ? reg.basicAddr : reg.tokenAddr
      const repo = uniqueRepo(`push-${kind}`)
      await createRegistryEndpoint(box, 'reg', `http://${addr}`, reg.user, reg.password)

      const digests: string[] = []
      for (const tag of ['t1', 't2', 't3']) {
        const pushed = await box.run(['image', 'push', docker.testImage, '--endpoint', 'reg', '--as', `${repo}:${tag}`, '--json'])
        expect(pushed.code, pushed.stderr).to.equal(0)
        const json = JSON.parse(pushed.stdout)
        localTags.push(`${addr}/${repo}:${tag}`)
        expect(json).to.include({endpoint: 'reg', localImage: docker.testImage, reference: `${addr}/${repo}:${tag}`, repository: repo, tag})
        expect(json.digest).to.match(/^sha256:[0-9a-f]{64}$/)
        digests.push(json.digest)
      }
      expect(new Set(digests).size, 'one image, one digest').to.equal(1)

      const tags = await box.run(['image', 'tags', 'reg', repo, '--page-size', '2'])
      expect(tags.code, tags.stderr).to.equal(0)
      expect(tags.stdout).to.equal('t1\nt2\nt3\n')
      const limited = await box.run(['image', 'tags', 'reg', repo, '--page-size', '2', '--limit', '2', '--json'])
      expect(JSON.parse(limited.stdout)).to.deep.equal({endpoint: 'reg', repository: repo, tags: ['t1', 't2'], truncated: true})

      const ref = `${addr}/${repo}:t2`
      await dockerRun(['rmi', ref])
      expect(await imageExists(ref)).to.equal(false)
      const pulled = await box.run(['image', 'pull', '--endpoint', 'reg', `${repo}:t2`])
      expect(pulled.code, pulled.stderr).to.equal(0)
      expect(pulled.stdout).to.equal(`${ref}\n`)
      // The final line once, not twice.
      const pullLines = pulled.stderr.trimEnd().split('\n')
      expect(pullLines.filter((l) => l.includes(`Downloaded newer image for ${ref}`))).to.have.length(1)
      expect(new Set(pullLines).size, 'no repeated line').to.equal(pullLines.length)
      expect(await imageExists(ref)).to.equal(true)
      const {stdout: repoDigests} = await dockerRun(['image', 'inspect', '--format', '{{join .RepoDigests ","}}', ref])
      expect(repoDigests).to.include(`${addr}/${repo}@${digests[0]}`)

      const again = await box.run(['image', 'pull', '--endpoint', 'reg', `${repo}:t2`, '--json'])
      expect(again.code, again.stderr).to.equal(0)
      expect(JSON.parse(again.stdout)).to.include({reference: ref, repository: repo, tag: 't2', status: `Image is up to date for ${ref}`, digest: digests[0]})
    })
  }

  it('pushes under the local name when --as is not given, with plain progress lines', async () => {
    await createRegistryEndpoint(box, 'reg', `http://${reg.basicAddr}`, reg.user, reg.password)
    const repo = uniqueRepo('plain')
    const local = `${repo}:p1`
    await dockerRun(['tag', docker.testImage, local])
    localTags.push(local, `${reg.basicAddr}/${local}`)
    const pushed = await box.run(['image', 'push', local, '-e', 'reg'])
    expect(pushed.code, pushed.stderr).to.equal(0)
    expect(pushed.stdout).to.equal(`${reg.basicAddr}/${local}\n`)
    // Not a terminal: one line per status change, none per byte, no cursor movement.
    const lines = pushed.stderr.trimEnd().split('\n')
    expect(pushed.stderr).to.not.include('\x1b[')
    expect(lines[0]).to.equal(`The push refers to repository [${reg.basicAddr}/${repo}]`)
    expect(lines.filter((l) => l.endsWith(': Pushing')).length).to.be.at.most(1)
    expect(new Set(lines).size, 'no repeated line').to.equal(lines.length)
    expect(lines.some((l) => /^[0-9a-f]{12}: (Pushed|Layer already exists|Mounted from [a-z0-9./-]+)$/.test(l)), pushed.stderr).to.equal(true)
    expect(lines.at(-1)).to.match(new RegExp(`^Pushed ${reg.basicAddr.replace(/\./g, '\\.')}/${repo}:p1 \\(sha256:[0-9a-f]{64}\\)\\.$`))
  })

  it('updates each layer\'s line in place at a terminal (through script(1))', async () => {
    await createRegistryEndpoint(box, 'reg', `http://${reg.basicAddr}`, reg.user, reg.password)
    const repo = uniqueRepo('tty')
    localTags.push(`${reg.basicAddr}/${repo}:t`)
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`
    const command = [process.execPath, path.join(ROOT, 'bin', 'run.js'), 'image', 'push', docker.testImage, '-e', 'reg', '--as', `${repo}:t`].map(quote).join(' ')
    const {stdout} = await exec('script', ['-qefc', command, '/dev/null'], {env: box.env})
    // cursor up N lines, clear the line, the layer's new status
    // eslint-disable-next-line no-control-regex
    expect(stdout).to.match(/\x1b\[\d+A\r\x1b\[2K[0-9a-f]{12}: (Pushed|Layer already exists|Mounted from \S+)\r\x1b\[\d+B/)
    expect(stdout).to.include(`${reg.basicAddr}/${repo}:t`)
    expectNoSecret(reg.password, box.home, [{stdout, stderr: ''}])
  })

  it('fails with the registry\'s refusal on a wrong password (exit 1), for push and pull', async () => {
    await createRegistryEndpoint(box, 'reg', `http://${reg.basicAddr}`, reg.user, 'wrong-password-4')
    const repo = uniqueRepo('denied')
    localTags.push(`${reg.basicAddr}/${repo}:x`)
    const pushed = await box.run(['image', 'push', docker.testImage, '-e', 'reg', '--as', `${repo}:x`])
    expect(pushed.code).to.equal(1)
    expect(pushed.stderr).to.match(new RegExp(`^Error: registry ${reg.basicAddr.replace(/\./g, '\\.')} refused the credentials while pushing ${reg.basicAddr.replace(/\./g, '\\.')}/${repo}:x: .*unauthorized`, 'm'))
    expect(pushed.stderr).to.include('Hint: Check the endpoint\'s username and password: berth endpoint test reg\n')

    // The tag berth added for the push is gone again.
    expect(await imageExists(`${reg.basicAddr}/${repo}:x`)).to.equal(false)

    const pulled = await box.run(['image', 'pull', '-e', 'reg', `${repo}:x`])
    expect(pulled.code).to.equal(1)
    expect(pulled.stderr).to.match(/^Error: registry .* refused the credentials while pulling .*unauthorized/m)
    expect(pushed.stderr + pulled.stderr).to.not.include('wrong-password-4')
  })

  it('says which local image is missing, and which tag the registry lacks', async () => {
    await createRegistryEndpoint(box, 'reg', `http://${reg.tokenAddr}`, reg.user, reg.password)
    const missing = await box.run(['image', 'push', 'berth-test/no-such-image:0', '-e', 'reg'])
    expect(missing.code).to.equal(1)
    expect(missing.stderr).to.include(`Error: No local image "berth-test/no-such-image:0" in the Docker engine at ${docker.host}.\n`)

    const repo = uniqueRepo('nothing')
    const pulled = await box.run(['image', 'pull', '-e', 'reg', `${repo}:none`])
    expect(pulled.code).to.equal(1)
    expect(pulled.stderr).to.match(new RegExp(`^Error: registry ${reg.tokenAddr.replace(/\./g, '\\.')} has no such image \\(pulling ${reg.tokenAddr.replace(/\./g, '\\.')}/${repo}:none\\): `, 'm'))
  })

  it('rejects bad references with exit 2 and explains a missing engine', async () => {
    await createRegistryEndpoint(box, 'reg', `http://${reg.basicAddr}`, reg.user, reg.password)
    const hostInRef = await box.run(['image', 'pull', '-e', 'reg', `${reg.basicAddr}/team/app:1`])
    expect(hostInRef.code).to.equal(2)
    expect(hostInRef.stderr).to.include(`names a registry host ("${reg.basicAddr}")`)
    const badAs = await box.run(['image', 'push', docker.testImage, '-e', 'reg', '--as', 'Team/App:1'])
    expect(badAs.code).to.equal(2)
    expect(badAs.stderr).to.include('Error: Invalid repository name "Team/App": it must be lower case.\n')

    const socket = path.join(userHome, 'no-docker.sock')
    const noEngine = await box.run(['image', 'push', docker.testImage, '-e', 'reg', '--as', 'team/app:1'], {env: {DOCKER_HOST: `unix://${socket}`}})
    expect(noEngine.code).to.equal(1)
    expect(noEngine.stderr).to.include(`Error: Could not connect to the Docker engine at unix://${socket} (ENOENT) while looking up "${docker.testImage}".\n`)
    expect(noEngine.stderr).to.include('Hint: Start Docker, or point DOCKER_HOST at a running engine.\n')
  })
})
