import {expect} from 'chai'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {readChartDirectory} from '../../../src/lib/templates/chart.js'
import {ROOT, tempHome} from '../../helpers/cli.js'
import {berthRejection} from '../../helpers/files.js'

describe('helm chart directories', () => {
  let home: string
  let cleanup: () => void
  beforeEach(() => ({home, cleanup} = tempHome()))
  afterEach(() => cleanup())

  it('reads the berth-demo fixture chart, helpers included', async () => {
    const files = await readChartDirectory(path.join(ROOT, 'test', 'fixtures', 'charts', 'berth-demo'))
    expect(Object.keys(files).sort()).to.deep.equal(['Chart.yaml', 'templates/_helpers.tpl', 'templates/deployment.yaml', 'templates/service.yaml', 'values.yaml'])
  })

  it('refuses what is not a small text chart', async () => {
    const chart = path.join(home, 'chart')
    await fs.mkdir(path.join(chart, 'templates'), {recursive: true})
    expect((await berthRejection(readChartDirectory(chart))).message).to.equal(`"${chart}" has no Chart.yaml; it is not a Helm chart.`)
    await fs.writeFile(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\ndescription: no name\n')
    expect((await berthRejection(readChartDirectory(chart))).message).to.equal(`${chart}/Chart.yaml must have a name and a version.`)
    await fs.writeFile(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 0.1.0\n')
    await fs.writeFile(path.join(chart, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]))
    expect((await berthRejection(readChartDirectory(chart))).message).to.equal('Chart file logo.png is not UTF-8 text; berth stores text charts only.')
    await fs.rm(path.join(chart, 'logo.png'))
    await fs.symlink('/etc/passwd', path.join(chart, 'templates', 'passwd.yaml'))
    expect((await berthRejection(readChartDirectory(chart))).message).to.equal('Chart file templates/passwd.yaml is a symbolic link out of the chart directory.')
    await fs.rm(path.join(chart, 'templates', 'passwd.yaml'))
    await fs.writeFile(path.join(chart, 'templates', 'big.yaml'), 'x'.repeat(600 * 1024))
    expect((await berthRejection(readChartDirectory(chart))).message).to.match(/^The chart is larger than 512 KiB/)
    expect((await berthRejection(readChartDirectory(path.join(home, 'missing')))).message).to.equal(`The chart directory "${path.join(home, 'missing')}" does not exist.`)
  })
})
