// Wrapper module that pins the Cloudstate Go SDK's TCK model function for interop runs.
// Nothing of the SDK is vendored or copied: run.sh builds the SDK's own command
// (tck/cmd/tck_eventsourced) straight from the module cache with `go build <pkg>`.
// The SDK's command is a `package main`, so it cannot be imported and called from a
// main.go of ours; tools.go keeps it in the module graph instead.
module cskit.invalid/interop/go-sdk

go 1.19

require (
	github.com/cloudstateio/go-support v0.3.0
	github.com/golang/protobuf v1.4.3
	google.golang.org/grpc v1.33.1
	google.golang.org/protobuf v1.25.0
)

require (
	golang.org/x/net v0.0.0-20200324143707-d3edc9973b7e // indirect
	golang.org/x/sys v0.0.0-20200413165638-669c56c373c4 // indirect
	golang.org/x/text v0.3.2 // indirect
	google.golang.org/genproto v0.0.0-20200526211855-cb27e3aa2013 // indirect
)
