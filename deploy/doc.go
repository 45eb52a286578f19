// Package deploy holds no code: its tests check the deployment files at the
// repository root (docker-compose.yml, Dockerfile), which no Docker engine
// runs during `go test`.
package deploy
