package main

// The wall times of the fits and forecasts behind each row come from
// runner.LeaderboardTimes (from the entries' manifests).
