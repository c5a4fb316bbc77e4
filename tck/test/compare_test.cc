#include "cloudstate/tck/compare.h"

#include <gtest/gtest.h>

#include "cloudstate/crdt.pb.h"
#include "cloudstate/event_sourced.pb.h"
#include "cloudstate/tck/model/eventsourced.pb.h"

#include "cloudstate/common/any.h"
#include "cloudstate/tck/messages.h"

namespace cloudstate::tck {
namespace {

cloudstate::tck::model::Response Resp(const std::string& m) {
  cloudstate::tck::model::Response r;
  r.set_message(m);
  return r;
}

TEST(CompareTest, EqualMessagesCompareEqual) {
  auto a = es::Reply(1, Resp("A"));
  auto b = es::Reply(1, Resp("A"));
  EXPECT_TRUE(CompareMessages(a, b).equal);
  EXPECT_EQ(CompareMessages(a, b).diff, "");
}

TEST(CompareTest, AbsentAndEmptySubMessageDiffer) {
  cloudstate::eventsourced::EventSourcedStreamOut with_empty = es::NoReply(1);
  with_empty.mutable_reply()->mutable_snapshot();  // present but empty Any
  cloudstate::eventsourced::EventSourcedStreamOut without = es::NoReply(1);
  auto r = CompareMessages(without, with_empty);
  EXPECT_FALSE(r.equal);
  EXPECT_NE(r.diff.find("snapshot"), std::string::npos) << r.diff;
}

TEST(CompareTest, EmptyPayloadIsPresentAny) {
  // An empty Response packs into a present Any with empty bytes; an absent reply payload differs.
  auto a = es::Reply(1, Resp(""));
  auto b = es::NoReply(1);
  b.mutable_reply()->mutable_client_action()->mutable_reply();
  EXPECT_FALSE(CompareMessages(a, b).equal);
}

TEST(CompareTest, FieldLevelDiffNamesTheField) {
  auto r = CompareMessages(es::Reply(1, Resp("A")), es::Reply(1, Resp("B")));
  EXPECT_FALSE(r.equal);
  EXPECT_NE(r.diff.find("message"), std::string::npos) << r.diff;
  EXPECT_NE(r.diff.find("\"A\""), std::string::npos) << r.diff;
  EXPECT_NE(r.diff.find("\"B\""), std::string::npos) << r.diff;
}

TEST(CompareTest, AnyTypeUrlMustMatch) {
  google::protobuf::Any a = PackAny(Resp("x"));
  google::protobuf::Any b = a;
  b.set_type_url("type.googleapis.com/cloudstate.tck.model.Request");
  EXPECT_FALSE(CompareMessages(a, b).equal);
}

TEST(CompareTest, AnyBytesAreComparedExactly) {
  // Same field twice: parses to the same message but the bytes are not canonical.
  google::protobuf::Any a = PackAny(Resp("x"));
  google::protobuf::Any b = a;
  b.set_value(a.value() + a.value());
  auto r = CompareMessages(a, b);
  EXPECT_FALSE(r.equal);
  EXPECT_FALSE(r.diff.empty());
}

TEST(CompareTest, RepeatedFieldsAreOrdered) {
  es::Effects e1{.events = {PackAny(Resp("A")), PackAny(Resp("B"))}};
  es::Effects e2{.events = {PackAny(Resp("B")), PackAny(Resp("A"))}};
  EXPECT_FALSE(CompareMessages(es::NoReply(1, e1), es::NoReply(1, e2)).equal);
}

TEST(CompareTest, SortedCrdtDeltasIgnoreOrderOfSetElements) {
  cloudstate::crdt::CrdtDelta d1;
  *d1.mutable_gset()->add_added() = PackPrimitiveString("b");
  *d1.mutable_gset()->add_added() = PackPrimitiveString("a");
  cloudstate::crdt::CrdtDelta d2;
  *d2.mutable_gset()->add_added() = PackPrimitiveString("a");
  *d2.mutable_gset()->add_added() = PackPrimitiveString("b");
  Resp("x");
  auto out1 = crdt::NoReply(1, {.state_action = crdt::UpdateAction(d1)});
  auto out2 = crdt::NoReply(1, {.state_action = crdt::UpdateAction(d2)});
  EXPECT_FALSE(CompareMessages(out1, out2).equal);
  EXPECT_TRUE(CompareMessages(out1, out2, SortedCrdtDeltas()).equal);
}

TEST(CompareTest, SortedCrdtDeltasRecurseIntoMapEntries) {
  auto entry = [](const std::string& key, std::vector<std::string> elements) {
    cloudstate::crdt::ORMapEntryDelta e;
    *e.mutable_key() = PackPrimitiveString(key);
    for (const auto& el : elements) {
      *e.mutable_delta()->mutable_orset()->add_added() = PackPrimitiveString(el);
    }
    return e;
  };
  cloudstate::crdt::CrdtDelta d1;
  *d1.mutable_ormap()->add_updated() = entry("k2", {"y", "x"});
  *d1.mutable_ormap()->add_updated() = entry("k1", {"b", "a"});
  cloudstate::crdt::CrdtDelta d2;
  *d2.mutable_ormap()->add_updated() = entry("k1", {"a", "b"});
  *d2.mutable_ormap()->add_updated() = entry("k2", {"x", "y"});
  auto out1 = crdt::NoReply(1, {.state_action = crdt::UpdateAction(d1)});
  auto out2 = crdt::NoReply(1, {.state_action = crdt::UpdateAction(d2)});
  EXPECT_TRUE(CompareMessages(out1, out2, SortedCrdtDeltas()).equal);
}

TEST(CompareTest, SortedDeltasDoNotHideRealDifferences) {
  cloudstate::crdt::CrdtDelta d1;
  *d1.mutable_gset()->add_added() = PackPrimitiveString("a");
  cloudstate::crdt::CrdtDelta d2;
  *d2.mutable_gset()->add_added() = PackPrimitiveString("a");
  *d2.mutable_gset()->add_added() = PackPrimitiveString("b");
  auto out1 = crdt::NoReply(1, {.state_action = crdt::UpdateAction(d1)});
  auto out2 = crdt::NoReply(1, {.state_action = crdt::UpdateAction(d2)});
  EXPECT_FALSE(CompareMessages(out1, out2, SortedCrdtDeltas()).equal);
}

TEST(CompareTest, ShortTextExpandsAny) {
  std::string text = ShortText(es::Reply(1, Resp("hello")));
  EXPECT_NE(text.find("cloudstate.tck.model.Response"), std::string::npos) << text;
  EXPECT_NE(text.find("hello"), std::string::npos) << text;
  EXPECT_EQ(text.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace cloudstate::tck
