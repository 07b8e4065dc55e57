// Times node-x12 (npm): `new X12Parser(true).parse(text)`, the generic
// interchange model. Usage: node node_x12.js RUNS FILE...  (best of RUNS).
const fs = require('fs')
const { X12Parser } = require('node-x12')
const [runs, ...files] = process.argv.slice(2)
for (const f of files) {
  const text = fs.readFileSync(f, 'utf8')
  let best = Infinity
  let segments = 0
  for (let i = 0; i < Number(runs); i++) {
    const start = process.hrtime.bigint()
    const ic = new X12Parser(true).parse(text)
    segments = ic.functionalGroups.reduce((n, g) => n + g.transactions.reduce((m, t) => m + t.segments.length, 0), 0)
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9)
  }
  console.log(`node-x12-parse\t${f}\t${text.length}\t${best.toFixed(4)}\t${(text.length / 1e6 / best).toFixed(1)} MB/s\t${segments} segments`)
}
