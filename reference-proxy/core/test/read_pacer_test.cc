// ReadPacer: when the proxy may read the next message of a client stream it forwards to the
// function.

#include "cloudstate/proxy_core/read_pacer.h"

#include "gtest/gtest.h"

namespace cloudstate::proxy {
namespace {

TEST(ReadPacerTest, ReadsOnWhileBelowCapacityAndWithholdsAtIt) {
  ReadPacer pacer(2);
  EXPECT_TRUE(pacer.OnRead());   // one held: read the next
  EXPECT_FALSE(pacer.OnRead());  // two held: wait
  EXPECT_TRUE(pacer.withheld());
  EXPECT_EQ(pacer.held(), 2u);
  EXPECT_TRUE(pacer.OnReleased());  // one written: the withheld read starts
  EXPECT_FALSE(pacer.withheld());
  EXPECT_FALSE(pacer.OnReleased());  // nothing was withheld
  EXPECT_EQ(pacer.held(), 0u);
  EXPECT_EQ(pacer.high_water(), 2u);
}

TEST(ReadPacerTest, HeldNeverExceedsCapacityWhenTheCallerObeys) {
  // A caller that only reads when allowed, against a function that takes one message per step.
  ReadPacer pacer(3);
  bool may_read = true;
  int read = 0;
  int written = 0;
  for (int step = 0; step < 100; ++step) {
    while (may_read && read < 50) {
      ++read;
      may_read = pacer.OnRead();
      ASSERT_LE(pacer.held(), pacer.capacity());
    }
    if (written < read) {
      ++written;
      if (pacer.OnReleased()) {
        may_read = true;
      }
    }
  }
  EXPECT_EQ(read, 50);
  EXPECT_EQ(written, 50);
  EXPECT_EQ(pacer.high_water(), 3u);
}

TEST(ReadPacerTest, ClosingResumesAWithheldReadAndDrainsFromThenOn) {
  ReadPacer pacer(1);
  EXPECT_FALSE(pacer.OnRead());
  EXPECT_TRUE(pacer.OnClosed());
  EXPECT_EQ(pacer.held(), 0u);
  EXPECT_TRUE(pacer.OnRead());  // dropped, not held
  EXPECT_EQ(pacer.held(), 0u);
  EXPECT_FALSE(pacer.OnReleased());
}

TEST(ReadPacerTest, ZeroCapacityIsTreatedAsOne) {
  ReadPacer pacer(0);
  EXPECT_EQ(pacer.capacity(), 1u);
  EXPECT_FALSE(pacer.OnRead());
  EXPECT_TRUE(pacer.OnReleased());
}

}  // namespace
}  // namespace cloudstate::proxy
