// The floor seqhunt's NDJSON throughput is compared against: read the file through a 1 MiB-buffered
// stream, split at newlines, JSON.parse every line. Prints the number of parsed lines.
import { createReadStream } from 'node:fs';

let count = 0;
let rest = '';
for await (const chunk of createReadStream(process.argv[2], { highWaterMark: 1 << 20, encoding: 'utf8' })) {
  const text = rest + chunk;
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
    if (nl > start) {
      JSON.parse(text.slice(start, nl));
      count++;
    }
    start = nl + 1;
  }
  rest = text.slice(start);
}
if (rest.trim()) {
  JSON.parse(rest);
  count++;
}
console.log(count);
