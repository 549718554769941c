// Preloaded by bench/startup.js for memory runs: writes the process's peak RSS (KiB) to $BERTH_BENCH_RSS_FILE at exit.
import {writeFileSync} from 'node:fs'

process.on('exit', () => {
  if (process.env.BERTH_BENCH_RSS_FILE) writeFileSync(process.env.BERTH_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS))
})
