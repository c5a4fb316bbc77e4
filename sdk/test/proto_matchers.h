#pragma once
#include "google/protobuf/message.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace cloudstate::sdk::testing {

inline ::testing::AssertionResult ProtoEq(const google::protobuf::Message& actual,
                                          const google::protobuf::Message& expected) {
  std::string diff;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  if (differencer.Compare(expected, actual)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "\nactual:   " << actual.ShortDebugString()
         << "\nexpected: " << expected.ShortDebugString() << "\ndiff: " << diff;
}

}  // namespace cloudstate::sdk::testing
