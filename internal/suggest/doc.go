// Package suggest holds the runner's one did-you-mean rule, used for stage
// kinds, params, ports, matrix axes and values, systems and model families,
// so that every misspelling gets the same help. It imports only the
// standard library, so the science packages (systems) may use it too.
package suggest
