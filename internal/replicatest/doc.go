// Package replicatest holds the end-to-end tests of `hookctl serve`
// replicas on one PostgreSQL database (issue 19, items 4, 5 and 7): real
// serve processes (the test binary re-executed as hookctl, as testscript
// does), a local receiver, SIGKILL mid-burst, wake-ups across replicas, and
// PostgreSQL taken away under a running replica (pgtest.ProxyURL).
//
// The tests need HOOKCTL_TEST_POSTGRES_URL (see package pgtest) and skip
// without it, except the one that needs no server (unreachable at start).
package replicatest
