// Reads Arrow IPC files with Apache Arrow JS and prints, per file, a JSON
// summary: columns, types, row count, schema metadata and the first and last
// values of every numeric column. The Go tests compare it with what runner
// wrote.
import { readFileSync } from "node:fs";
import { tableFromIPC } from "apache-arrow";

const out = [];
for (const path of process.argv.slice(2)) {
  const table = tableFromIPC(readFileSync(path));
  const columns = table.schema.fields.map((f) => ({ name: f.name, type: String(f.type) }));
  const values = {};
  for (const f of table.schema.fields) {
    const col = table.getChild(f.name);
    if (table.numRows === 0) continue;
    const first = col.get(0);
    const last = col.get(table.numRows - 1);
    values[f.name] = [typeof first === "bigint" ? Number(first) : first, typeof last === "bigint" ? Number(last) : last];
  }
  out.push({ path, rows: table.numRows, columns, metadata: Object.fromEntries(table.schema.metadata), values });
}
console.log(JSON.stringify(out));
