// Package artifacts is the content-addressed store of Arrow IPC files in
// which the runner keeps stage outputs, with per-key leases, refs and run
// journals.
//
// # Keys
//
// An entry is addressed by a Key, the SHA-256 (64 lowercase hex digits) that
// the runner computes over the key-format version, stage kind and version,
// canonical params, derived seed and upstream keys. The store does not
// compute keys; it checks their form and that each manifest names its own.
//
// # Layout
//
// Below the root (".runner/" by default, chosen by the caller):
//
//	objects/ab/<key>/manifest.json    an entry: its manifest ...
//	objects/ab/<key>/<port>.arrow     ... and one Arrow IPC file per output port
//	tmp/<kind>.<pid>.<rand>.<host>    entries being written, entries being removed
//	locks/<key>.lock                  a lease (JSON: key, host, pid, token, expiry)
//	locks/<key>.lock.break            short-lived mutex for breaking a stale lease
//	refs/<pipeline>.log               append-only lines `<key> "<instance>"`: last key of each instance
//	runs/<run-id>.jsonl               one journal per run, one JSON object a line
//	quarantine/<time>/ab/<key>        damaged items moved out of objects/ by VerifyStore
//	index/<pipeline>.sizes            size hints for the cheap cache check
//	pins/<run-id>                     a pinned run: gc keeps every key of its journal
//	live/<run-id>.json                a running apply: host, pid, every key of its plan; mtime = heartbeat
//	locks/gc.lock                     held by a deleting gc; applies that start wait for it
//
// "ab" is the first two hex digits of the key. Port and run names are
// checked and pipeline names escaped so they are always plain file names.
//
// # Atomicity
//
// Put writes every file into a fresh directory under tmp/, fsyncs the files
// and renames the directory into objects/ in one step, so an entry directory
// at its final place is always complete: a process crash leaves at worst a
// directory in tmp/ (after a power loss, at worst an entry whose rename or
// file names were not yet durable, which Lookup reports as missing or
// corrupt, so it is recomputed), which is never an entry and which GC deletes
// (at once if its writer's pid is dead on this host, else after an hour of
// inactivity). Remove renames an entry back into tmp/ before deleting it, so
// readers never see half a directory. Two processes storing one key race
// only on the final rename; the loser discards its copy.
//
// # Checks
//
// Lookup is the cheap check made on every cache hit: one read of
// manifest.json, a JSON decode, the manifest's own SHA-256 (its last member,
// manifest_sha256, covers the rest; format-1 manifests of older runners have
// none and are accepted), and one stat per output file comparing the
// recorded size. Read verifies the SHA-256 of the bytes it decodes. Verify
// re-hashes every file; VerifyStore does so for the whole store, also finds
// stray items, and moves damage into quarantine/. A damaged entry is
// reported as a *CorruptError (errors.Is(err, ErrCorrupt)); the runner
// removes and recomputes it.
//
// # Files for other tools
//
// Each <port>.arrow is a plain, uncompressed Arrow IPC file (Feather v2)
// holding one record batch with the stage's schema and metadata, readable by
// pyarrow.ipc.open_file, polars.read_ipc, R arrow::read_feather or Arrow JS.
// Files are written read-only (0444) and never modified in place.
//
// # Locks
//
// Store.Lock takes a lease per key; there is no global lock, so runners on
// one shared directory (also across Slurm nodes) compute each key once.
// See Lock for how stale leases are detected and broken.
//
// # Sharing
//
// Read-only stores can be layered under a store (layered.go); a store can
// be shared by a Unix group (shared.go); bundles move entries between
// stores (bundle.go); Collect is a gc that is safe beside running applies
// (collect.go, live.go, pin.go).
package artifacts
