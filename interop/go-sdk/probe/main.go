// Command probe speaks protocol 0.2 to a running user function (the Go SDK's TCK model
// function) the way a proxy would, so CI can check that the peer is really up and record
// its behaviour without needing a proxy.
//
//	probe -addr 127.0.0.1:PORT discover       ServiceInfo and entity list, as JSON
//	probe -addr 127.0.0.1:PORT cart           AddItem then GetCart on the shopping cart
//	probe -addr 127.0.0.1:PORT empty-typeurl [value|eventsourced|action]
//	                                          a command whose payload has type_url "" (default:
//	                                          value entity); reports whether the process survived
//
// It prints one JSON object per line on stdout and exits non-zero when the exchange
// itself fails (empty-typeurl reports the outcome instead of failing).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cloudstateio/go-support/cloudstate/entity"
	"github.com/cloudstateio/go-support/cloudstate/protocol"
	"github.com/cloudstateio/go-support/example/shoppingcart"
	"github.com/golang/protobuf/proto"
	"github.com/golang/protobuf/ptypes"
	"github.com/golang/protobuf/ptypes/any"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
)

const (
	cartService   = "com.example.shoppingcart.ShoppingCart"
	valueService  = "cloudstate.tck.model.valueentity.ValueEntityTckModel"
	esService     = "cloudstate.tck.model.EventSourcedTckModel"
	actionService = "cloudstate.tck.model.action.ActionTckModel"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "user function address (loopback only)")
	timeout := flag.Duration("timeout", 30*time.Second, "deadline for the whole exchange")
	flag.Parse()
	if flag.NArg() < 1 || flag.NArg() > 2 {
		fmt.Fprintln(os.Stderr,
			"usage: probe [-addr HOST:PORT] [-timeout D] discover|cart|empty-typeurl [value|eventsourced|action]")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	conn, err := grpc.DialContext(ctx, *addr, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		fail("dial %s: %v", *addr, err)
	}
	defer conn.Close()

	switch flag.Arg(0) {
	case "discover":
		err = discover(ctx, conn)
	case "cart":
		err = cart(ctx, conn)
	case "empty-typeurl":
		kind := "value"
		if flag.NArg() > 1 {
			kind = flag.Arg(1)
		}
		err = emptyTypeURL(ctx, conn, *addr, kind)
	default:
		err = fmt.Errorf("unknown subcommand %q", flag.Arg(0))
	}
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "probe: "+format+"\n", args...)
	os.Exit(1)
}

func emit(v interface{}) {
	b, err := json.Marshal(v)
	if err != nil {
		fail("encode output: %v", err)
	}
	fmt.Println(string(b))
}

func emitProto(label string, m proto.Message) {
	b, err := protojson.Marshal(proto.MessageV2(m))
	if err != nil {
		fail("encode %s: %v", label, err)
	}
	emit(map[string]json.RawMessage{label: b})
}

func discoverSpec(ctx context.Context, conn *grpc.ClientConn) (*protocol.EntitySpec, error) {
	return protocol.NewEntityDiscoveryClient(conn).Discover(ctx, &protocol.ProxyInfo{
		ProtocolMajorVersion: 0,
		ProtocolMinorVersion: 2,
		ProxyName:            "cskit-interop-probe",
		ProxyVersion:         "0",
		SupportedEntityTypes: []string{
			protocol.EventSourced, protocol.CRDT, protocol.Action, protocol.Value,
		},
	})
}

func discover(ctx context.Context, conn *grpc.ClientConn) error {
	spec, err := discoverSpec(ctx, conn)
	if err != nil {
		return fmt.Errorf("Discover: %w", err)
	}
	emitProto("service_info", spec.GetServiceInfo())
	for _, e := range spec.GetEntities() {
		emitProto("entity", e)
	}
	emit(map[string]int{"descriptor_set_bytes": len(spec.GetProto())})
	return nil
}

func cart(ctx context.Context, conn *grpc.ClientConn) error {
	stream, err := entity.NewEventSourcedClient(conn).Handle(ctx)
	if err != nil {
		return fmt.Errorf("EventSourced.Handle: %w", err)
	}
	init := &entity.EventSourcedStreamIn{Message: &entity.EventSourcedStreamIn_Init{
		Init: &entity.EventSourcedInit{ServiceName: cartService, EntityId: "probe-user"},
	}}
	if err := stream.Send(init); err != nil {
		return fmt.Errorf("send init: %w", err)
	}
	add, err := ptypes.MarshalAny(&shoppingcart.AddLineItem{
		UserId: "probe-user", ProductId: "p1", Name: "Probe", Quantity: 2,
	})
	if err != nil {
		return err
	}
	get, err := ptypes.MarshalAny(&shoppingcart.GetShoppingCart{UserId: "probe-user"})
	if err != nil {
		return err
	}
	commands := []*protocol.Command{
		{EntityId: "probe-user", Id: 1, Name: "AddItem", Payload: add},
		{EntityId: "probe-user", Id: 2, Name: "GetCart", Payload: get},
	}
	for _, c := range commands {
		in := &entity.EventSourcedStreamIn{Message: &entity.EventSourcedStreamIn_Command{Command: c}}
		if err := stream.Send(in); err != nil {
			return fmt.Errorf("send command %d: %w", c.Id, err)
		}
		out, err := stream.Recv()
		if err != nil {
			return fmt.Errorf("reply to command %d: %w", c.Id, err)
		}
		emitProto("reply", out)
	}
	return stream.CloseSend()
}

// emptyTypeURL sends what a proxy may forward for a JSON/HTTP call it could not type: a
// command whose payload is an Any with an empty type_url, to one entity kind. It reports
// how the call ended and whether the server still answers a fresh Discover afterwards.
func emptyTypeURL(ctx context.Context, conn *grpc.ClientConn, addr, kind string) error {
	empty := &any.Any{TypeUrl: "", Value: nil}
	var reply proto.Message
	var callErr error
	switch kind {
	case "value":
		reply, callErr = streamOne(ctx, func() (bidi, error) {
			return entity.NewValueEntityClient(conn).Handle(ctx)
		}, []proto.Message{
			&entity.ValueEntityStreamIn{Message: &entity.ValueEntityStreamIn_Init{
				Init: &entity.ValueEntityInit{ServiceName: valueService, EntityId: "probe"},
			}},
			&entity.ValueEntityStreamIn{Message: &entity.ValueEntityStreamIn_Command{
				Command: &protocol.Command{EntityId: "probe", Id: 1, Name: "Process", Payload: empty},
			}},
		}, &entity.ValueEntityStreamOut{})
	case "eventsourced":
		reply, callErr = streamOne(ctx, func() (bidi, error) {
			return entity.NewEventSourcedClient(conn).Handle(ctx)
		}, []proto.Message{
			&entity.EventSourcedStreamIn{Message: &entity.EventSourcedStreamIn_Init{
				Init: &entity.EventSourcedInit{ServiceName: esService, EntityId: "probe"},
			}},
			&entity.EventSourcedStreamIn{Message: &entity.EventSourcedStreamIn_Command{
				Command: &protocol.Command{EntityId: "probe", Id: 1, Name: "Process", Payload: empty},
			}},
		}, &entity.EventSourcedStreamOut{})
	case "action":
		reply, callErr = entity.NewActionProtocolClient(conn).HandleUnary(ctx, &entity.ActionCommand{
			ServiceName: actionService, Name: "ProcessUnary", Payload: empty,
		})
	default:
		return fmt.Errorf("empty-typeurl: unknown entity kind %q (value|eventsourced|action)", kind)
	}
	outcome := map[string]interface{}{"kind": kind, "call": "reply"}
	if callErr != nil {
		outcome["call"] = "error"
		outcome["error"] = callErr.Error()
	} else {
		b, err := protojson.Marshal(proto.MessageV2(reply))
		if err != nil {
			return err
		}
		outcome["reply"] = json.RawMessage(b)
	}
	// A fresh connection tells whether the process survived.
	aliveCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	alive := false
	if c2, err := grpc.DialContext(aliveCtx, addr, grpc.WithInsecure(), grpc.WithBlock()); err == nil {
		_, err = discoverSpec(aliveCtx, c2)
		alive = err == nil
		c2.Close()
	}
	outcome["server_alive_after"] = alive
	emit(outcome)
	return nil
}

// bidi is the part of a generated bidirectional stream client that streamOne needs.
type bidi interface {
	SendMsg(m interface{}) error
	RecvMsg(m interface{}) error
}

// streamOne opens a stream, sends msgs and returns the first message received.
func streamOne(ctx context.Context, open func() (bidi, error), msgs []proto.Message,
	out proto.Message) (proto.Message, error) {
	stream, err := open()
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if err := stream.SendMsg(m); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
	}
	if err := stream.RecvMsg(out); err != nil {
		return nil, err
	}
	return out, nil
}
