#pragma once
// Facts of Cloudstate protocol 0.2 that every component names (one place, so that the SDK, the
// proxy and the kit cannot drift apart): the entity types, which are the full names of the four
// entity protocol services as reported in discovery, and the protocol version.

namespace cloudstate {

inline constexpr char kEventSourcedEntityType[] = "cloudstate.eventsourced.EventSourced";
inline constexpr char kValueEntityType[] = "cloudstate.valueentity.ValueEntity";
inline constexpr char kCrdtEntityType[] = "cloudstate.crdt.Crdt";
inline constexpr char kActionEntityType[] = "cloudstate.action.ActionProtocol";

// Protocol 0.2, announced by the proxy in ProxyInfo and by the function in ServiceInfo.
inline constexpr int kProtocolMajorVersion = 0;
inline constexpr int kProtocolMinorVersion = 2;

}  // namespace cloudstate
