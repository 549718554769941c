/** Reading a Helm chart directory into files (path → text) to store with a template. */
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {ValidationError} from '../errors.js'
import {quote} from '../names.js'
import {isPlainObject, parseYaml} from '../yaml.js'

const MAX_CHART_BYTES = 512 * 1024
const MAX_CHART_FILES = 500

/**
 * Every regular file under `dir` (dot-files and .helmignore'd VCS folders skipped).
 * Refuses symlinks leading out of the directory, binary files and charts over 512 KiB:
 * a chart is stored in berth's state, so it must be small text.
 */
export async function readChartDirectory(dir: string): Promise<Record<string, string>> {
  const root = path.resolve(dir)
  let stat
  try {
    stat = await fs.stat(root)
  } catch {
    throw new ValidationError(`The chart directory ${quote(dir, 200)} does not exist.`)
  }
  if (!stat.isDirectory()) throw new ValidationError(`${quote(dir, 200)} is not a directory; give the chart's directory (the one with Chart.yaml).`)
  const files: Record<string, string> = {}
  let total = 0
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(root, rel), {withFileTypes: true})
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.')) continue
      const relPath = rel ? `${rel}/${entry.name}` : entry.name
      const full = path.join(root, relPath)
      if (entry.isSymbolicLink()) {
        const target = await fs.realpath(full)
        if (!target.startsWith(root + path.sep)) throw new ValidationError(`Chart file ${relPath} is a symbolic link out of the chart directory.`)
      }
      const info = await fs.stat(full)
      if (info.isDirectory()) {
        await walk(relPath)
        continue
      }
      if (!info.isFile()) continue
      if (Object.keys(files).length >= MAX_CHART_FILES) throw new ValidationError(`The chart has more than ${MAX_CHART_FILES} files.`)
      total += info.size
      if (total > MAX_CHART_BYTES) throw new ValidationError(`The chart is larger than ${MAX_CHART_BYTES / 1024} KiB; berth stores charts with their template, so keep them small (no packaged dependencies).`)
      const buffer = await fs.readFile(full)
      const text = buffer.toString('utf8')
      if (buffer.includes(0) || Buffer.byteLength(text) !== buffer.length) throw new ValidationError(`Chart file ${relPath} is not UTF-8 text; berth stores text charts only.`)
      files[relPath] = text
    }
  }
  await walk('')
  checkChartFiles(files, dir)
  return files
}

/** A chart needs Chart.yaml with apiVersion, name and version. */
export function checkChartFiles(files: Record<string, string>, source: string): {name: string; version: string} {
  const chartYaml = files['Chart.yaml']
  if (chartYaml === undefined) throw new ValidationError(`${quote(source, 200)} has no Chart.yaml; it is not a Helm chart.`)
  const meta = parseYaml(chartYaml, {source: `${source}/Chart.yaml`})
  if (!isPlainObject(meta) || typeof meta.name !== 'string' || meta.version === undefined) {
    throw new ValidationError(`${source}/Chart.yaml must have a name and a version.`)
  }
  return {name: meta.name, version: String(meta.version)}
}
