import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {makePrivateTempDir, privateTempRoot, sweepDeadOwners} from '../../../src/lib/fs/private-temp.js'

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn('true')
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid!
}

describe('private temporary directories', () => {
  let root: string
  beforeEach(() => (root = mkdtempSync(path.join(os.tmpdir(), 'berth-private-temp-test-'))))
  afterEach(() => rmSync(root, {recursive: true, force: true}))

  it('uses XDG_RUNTIME_DIR only when it is a private directory of this user', async () => {
    const runtime = path.join(root, 'run')
    mkdirSync(runtime, {mode: 0o700})
    expect(await privateTempRoot({XDG_RUNTIME_DIR: runtime})).to.equal(runtime)
    chmodSync(runtime, 0o755)
    expect(await privateTempRoot({XDG_RUNTIME_DIR: runtime})).to.equal(os.tmpdir())
    expect(await privateTempRoot({XDG_RUNTIME_DIR: path.join(root, 'missing')})).to.equal(os.tmpdir())
    expect(await privateTempRoot({XDG_RUNTIME_DIR: 'relative/dir'})).to.equal(os.tmpdir())
    expect(await privateTempRoot({})).to.equal(os.tmpdir())
  })

  it('sweeps the directories of dead owners only', async () => {
    const dead = await deadPid()
    for (const name of [`berth-exec-${dead}-abc123`, `berth-exec-${process.ppid}-live01`, `berth-exec-${process.pid}-mine01`, `berth-git-${dead}-other1`, 'berth-exec-notapid-x']) {
      mkdirSync(path.join(root, name))
      writeFileSync(path.join(root, name, 'secret'), 'x')
    }
    writeFileSync(path.join(root, `berth-exec-${dead}-file00`), 'a file, not a directory')
    expect(await sweepDeadOwners(root, 'berth-exec-')).to.deep.equal([path.join(root, `berth-exec-${dead}-abc123`)])
    expect(readdirSync(root).sort()).to.deep.equal([`berth-exec-${dead}-file00`, `berth-exec-${process.pid}-mine01`, `berth-exec-${process.ppid}-live01`, `berth-exec-notapid-x`, `berth-git-${dead}-other1`].sort())
  })

  it('makes a 0700 directory named after this process, sweeping first', async () => {
    const dead = await deadPid()
    mkdirSync(path.join(root, `berth-git-${dead}-old000`))
    const dir = await makePrivateTempDir('berth-git-', root)
    expect(path.basename(dir)).to.match(new RegExp(`^berth-git-${process.pid}-`))
    expect(readdirSync(root)).to.deep.equal([path.basename(dir)])
  })
})
