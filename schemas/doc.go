// Package schemas publishes JSON Schemas of the payloads orchestration
// sends to and reads from the workflows (the files beside this one), for
// clients that do not use the Go starter. Its test checks the examples in
// docs/orchestration.md against them and the Go types' encoding against
// them, so the three agree.
package schemas
