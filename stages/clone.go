package stages

import "maps"

// Clone returns a registry with the same kinds and selections, to which a
// test can add kinds of its own without touching r.
func (r *Registry) Clone() *Registry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return &Registry{kinds: maps.Clone(r.kinds), selections: maps.Clone(r.selections)}
}
