package stages

import (
	"context"
	"runtime"
	"sync"
)

// ForEach calls fn(i) for every i in [0, n) on up to GOMAXPROCS goroutines
// and returns when all calls have returned. Once ctx is done no new index is
// handed out and ForEach returns ctx.Err(). Stages use it to work on many
// systems at once while keeping their output deterministic: fn writes only
// to slot i of a slice prepared beforehand, so the order in which the calls
// run never shows in the result.
func ForEach(ctx context.Context, n int, fn func(i int)) error {
	workers := max(1, min(runtime.GOMAXPROCS(0), n))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return ctx.Err()
}
