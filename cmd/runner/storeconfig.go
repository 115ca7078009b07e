package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/chaos-runner/runner/artifacts"
	"github.com/chaos-runner/runner/spec"
)

// configName is the optional configuration file read next to the pipeline
// file and in the store directory.
const configName = "runner.yaml"

// storeConfig is the content of runner.yaml.
//
//	read_stores:            # read-only stores layered under the local one
//	  - /shared/alice/.runner
//	  - ../colleague/.runner   # relative to the directory of runner.yaml
type storeConfig struct {
	ReadStores []string `yaml:"read_stores,omitempty"`
}

// readStoreConfig reads path; a missing file is an empty config.
func readStoreConfig(path string) (storeConfig, error) {
	var c storeConfig
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return c, nil
		}
		return c, err
	}
	// The pipeline's strict decoder: unknown keys and wrong types are
	// reported with file:line:col.
	n, ds := spec.ParseNode(path, data)
	if len(ds) == 0 {
		ds = spec.Decode(n, "", &c)
	}
	if len(ds) > 0 {
		return c, errors.New(ds.Error())
	}
	base := filepath.Dir(path)
	for i, d := range c.ReadStores {
		if d == "" {
			return c, fmt.Errorf("%s: read_stores[%d]: empty path", path, i)
		}
		if !filepath.IsAbs(d) {
			c.ReadStores[i] = filepath.Join(base, d)
		}
	}
	return c, nil
}

// readStoresEnv lists read stores for child processes (Slurm jobs running
// `runner exec-node`), separated by the OS list separator.
const readStoresEnv = "RUNNER_READ_STORES"

// addReadStores layers the read stores named by --read-store, by
// $RUNNER_READ_STORES, and by runner.yaml next to the pipeline file (when
// the command read one) and in the store directory, in that order, and
// exports the list to $RUNNER_READ_STORES so that jobs this process starts
// see the same layers.
func (g *globals) addReadStores(s *artifacts.Store) error {
	dirs := append([]string(nil), g.readStores...)
	if env := os.Getenv(readStoresEnv); env != "" {
		dirs = append(dirs, filepath.SplitList(env)...)
	}
	var configs []string
	if g.pipelineFile != "" {
		configs = append(configs, filepath.Join(filepath.Dir(g.pipelineFile), configName))
	}
	configs = append(configs, filepath.Join(s.Root(), configName))
	for _, p := range configs {
		c, err := readStoreConfig(p)
		if err != nil {
			return invalid(fmt.Errorf("config: %w", err))
		}
		dirs = append(dirs, c.ReadStores...)
	}
	for _, d := range dirs {
		if err := s.AddReadStore(d); err != nil {
			return invalid(fmt.Errorf("--read-store: %w", err))
		}
	}
	if roots := s.ReadStores(); len(roots) > 0 {
		_ = os.Setenv(readStoresEnv, strings.Join(roots, string(filepath.ListSeparator)))
	}
	g.warnUmask(s.Root())
	return nil
}

// warnUmask warns when the store is set up for a group (its root is setgid
// and group-writable) but this process's umask would make what it creates
// private, so the other members could not break its leases or add entries
// beside its own.
func (g *globals) warnUmask(root string) {
	fi, err := os.Stat(root)
	if err != nil || fi.Mode()&os.ModeSetgid == 0 || fi.Mode()&0o020 == 0 {
		return
	}
	if mask, ok := processUmask(); ok && mask&0o020 != 0 {
		fmt.Fprintf(g.stderr, "warning: %s is shared by its group, but your umask %03o makes new files private to you; run `umask 002` first\n", root, mask)
	}
}
