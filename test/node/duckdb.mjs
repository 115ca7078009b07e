// Runs SQL queries with DuckDB (@duckdb/node-api) and prints, as JSON, one
// array of row objects per query. Values use DuckDB's lossless JSON forms:
// BIGINT and HUGEINT as decimal strings, non-finite doubles as "NaN",
// "Infinity" and "-Infinity". The Go tests run it over runner's Parquet
// exports and compare with the same aggregates computed from the Arrow
// tables.
//
//   node duckdb.mjs "SELECT count(*) AS n FROM 'leaderboard.parquet'" ...
import { DuckDBInstance } from "@duckdb/node-api";

const instance = await DuckDBInstance.create(":memory:");
const connection = await instance.connect();
const out = [];
for (const sql of process.argv.slice(2)) {
  const reader = await connection.runAndReadAll(sql);
  out.push(reader.getRowObjectsJson());
}
connection.closeSync();
console.log(JSON.stringify(out));
